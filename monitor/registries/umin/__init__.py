"""UMIN-CTR: its IDs and URLs, the layout of its view pages, its labels and statuses.

Everything specific to UMIN-CTR lives here. The view page (current layout, since
2022-12) is a summary table ``table.explain_table`` followed, inside ``div.wrap``, by
``<h2>`` section headings and one ``div#Input_vew_*`` block per field: an ``<h3>`` label,
then the value as ``<p>`` text or a small nested table (dates, ages, names, coded lists).
The Japanese page has the same skeleton with bilingual ``日本語/English`` labels, so
fields are keyed by the English half and sections named by the labels they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from monitor.config.section import Section
from monitor.diff.policy import DiffRules
from monitor.diff.severity import Severity
from monitor.errors import NotFoundError
from monitor.normalize.record import TrialRecord
from monitor.parse.html import ParsedPage
from monitor.registries.base import (
    FetchText,
    RegistrySettings,
    TrialRef,
    read_common_settings,
)
from monitor.registries.umin.bulk import UminListing
from monitor.registries.umin.labels import RECEIPT_NUMBER, TRIAL_ID, map_status
from monitor.registries.umin.search import parse_search_page
from monitor.registries.umin.view import PARSER_VERSION, normalize_view_page, parse_view_page

NAME = "umin"
TITLE = "UMIN-CTR"
DEFAULT_BASE_URL = "https://center6.umin.ac.jp"
DEFAULT_CSV_URL = "https://upload.umin.ac.jp/ctr_csv/ctr_data_j.csv.gz"
PUBLIC_HOSTS = ("center6.umin.ac.jp", "upload.umin.ac.jp")
LANGUAGES = ("en", "ja")
RECEIPT = "receipt_number"  # the page key, beside the public UMIN ID
_FOLDER = {"en": "ctr_e", "ja": "ctr"}


@dataclass(frozen=True)
class UminSettings(RegistrySettings):
    """``[umin]``: where the registry is, which pages, how politely, and its daily CSV."""

    use_csv: bool = True
    csv_url: str = DEFAULT_CSV_URL
    max_page_age: float = 7 * 86400.0


class UminRegistry:
    """UMIN-CTR, configured by the ``[umin]`` section of the config."""

    name: ClassVar[str] = NAME
    title: ClassVar[str] = TITLE
    all_languages: ClassVar[tuple[str, ...]] = LANGUAGES
    parser_version: ClassVar[str] = PARSER_VERSION
    id_example: ClassVar[str] = "UMIN000041461 or R000047329"

    def __init__(self, settings: UminSettings | None = None) -> None:
        self.settings = settings or UminSettings(DEFAULT_BASE_URL, ("en",), 5.0)
        self.base_url = self.settings.base_url
        self.rules = RULES
        self.bulk = (UminListing(self.settings.csv_url, self.settings.max_page_age)
                     if self.settings.use_csv else None)

    @classmethod
    def read_settings(cls, section: Section, http_min_interval: float | None) -> UminSettings:
        base_url, languages, interval = read_common_settings(
            section, default_base_url=DEFAULT_BASE_URL, languages=LANGUAGES,
            default_languages=("en",), default_min_interval="5s",
            http_min_interval=http_min_interval)
        return UminSettings(
            base_url=base_url, languages=languages, min_interval=interval,
            use_csv=section.boolean("use_csv", True),
            csv_url=section.url("csv_url", DEFAULT_CSV_URL),
            max_page_age=section.duration("max_page_age", "7d", minimum=3600,
                                          floor_reason="a page is fetched at least that often"))

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({*PUBLIC_HOSTS, urlsplit(self.base_url).netloc.lower()})

    @property
    def fetch_hosts(self) -> frozenset[str]:
        hosts = {urlsplit(self.base_url).netloc.lower()}
        if self.settings.use_csv:
            hosts.add(urlsplit(self.settings.csv_url).netloc.lower())
        return frozenset(hosts)

    # --- IDs and URLs ---------------------------------------------------------------

    def parse_input(self, text: str) -> TrialRef | None:
        text = text.strip()
        if TRIAL_ID.fullmatch(text):
            return TrialRef(NAME, trial_id=text.upper())
        if RECEIPT_NUMBER.fullmatch(text):
            return TrialRef(NAME, keys=((RECEIPT, text.upper()),))
        if "://" not in text:
            return None
        url = urlsplit(text)
        if url.netloc.lower() not in self.hosts or "ctr" not in url.path:
            return None
        query = parse_qs(url.query)
        language = "en" if "/ctr_e/" in url.path else "ja"
        receipt = (query.get("recptno") or [""])[0]
        if RECEIPT_NUMBER.fullmatch(receipt):
            return TrialRef(NAME, keys=((RECEIPT, receipt.upper()),), language=language)
        trial = (query.get("ctrno") or [""])[0]
        if TRIAL_ID.fullmatch(trial):
            return TrialRef(NAME, trial_id=trial.upper(), language=language)
        return None

    def search_url(self, trial_id: str, language: str = "en") -> str:
        return (f"{self.base_url}/cgi-open-bin/{_FOLDER[language]}/index.cgi"
                f"?sort=03&function=04&ctrno={trial_id}")

    def page_url(self, ref: TrialRef, language: str) -> str:
        receipt = ref.key(RECEIPT)
        if not receipt:
            raise ValueError(f"{ref.label} has no receipt number yet: resolve it first")
        return (f"{self.base_url}/cgi-open-bin/{_FOLDER[language]}/ctr_view.cgi"
                f"?recptno={receipt}")

    def resolve(self, ref: TrialRef, fetch: FetchText) -> TrialRef:
        """A UMIN ID alone cannot address a page: look its receipt number up in the
        registry's search (one request, only the first time)."""
        if ref.key(RECEIPT):
            return ref
        assert ref.trial_id
        url = self.search_url(ref.trial_id)
        receipt = parse_search_page(fetch(url), ref.trial_id)
        if receipt is None:
            raise NotFoundError(
                f"{ref.trial_id} is not in UMIN-CTR's search results ({url}): "
                "check the ID, or watch it by its receipt number (R…)",
                status_code=None,
            )
        return ref.with_ids(ref.trial_id, {RECEIPT: receipt})

    # --- parsing and normalizing ----------------------------------------------------

    def parse_page(self, text: str, language: str | None = None) -> ParsedPage:
        return parse_view_page(text, language)

    def normalize(self, page: ParsedPage, url: str) -> TrialRecord:
        return normalize_view_page(page, url)


RULES = DiffRules(
    canonical_sources={
        "fields.Summary.Unique ID issued by UMIN": "trial_id",
        "fields.Summary.Scientific Title": "title_scientific",
        "fields.Summary.Date of disclosure of the study information": "date_disclosed",
        "fields.Summary.Last modified on": "date_last_modified",
        "fields.Summary.Recruitment status": "status",
        "fields.Basic information.Public title": "title_public",
        "fields.Basic information.Scientific Title": "title_scientific",
        "fields.Condition.Condition": "conditions",
        "fields.Eligibility.Target sample size": "target_sample_size",
        "fields.Progress.Recruitment status": "status",
        "fields.Progress.Anticipated trial start date": "date_start",
        "fields.Progress.Last follow-up date": "date_completion",
        "fields.Management information.Registered date": "date_registered",
        "fields.Management information.Last modified on": "date_last_modified",
        "fields.Other administrative information."
        "Date of disclosure of the study information": "date_disclosed",
    },
    severity=(
        ("fields.Assessment.Primary outcomes", Severity.HIGH),
        ("fields.Assessment.*", Severity.MEDIUM),
        ("fields.Result.Outcome measures", Severity.MEDIUM),
        ("fields.Eligibility.*", Severity.MEDIUM),
        ("fields.Progress.Date*", Severity.HIGH),
        ("fields.Progress.*date*", Severity.HIGH),
        ("fields.Result.*", Severity.MEDIUM),
        ("fields.Intervention.*", Severity.MEDIUM),
    ),
)


__all__ = ["UminRegistry", "UminSettings", "map_status", "normalize_view_page",
           "parse_search_page", "parse_view_page"]
