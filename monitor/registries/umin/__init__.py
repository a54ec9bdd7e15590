"""UMIN-CTR: its IDs and URLs, the layout of its view pages, its labels and statuses.

Everything specific to UMIN-CTR lives here. The view page (current layout, since
2022-12) is a summary table ``table.explain_table`` followed, inside ``div.wrap``, by
``<h2>`` section headings and one ``div#Input_vew_*`` block per field: an ``<h3>`` label,
then the value as ``<p>`` text or a small nested table (dates, ages, names, coded lists).
The Japanese page has the same skeleton with bilingual ``日本語/English`` labels, so
fields are keyed by the English half and sections named by the labels they hold.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from monitor.errors import NotFoundError
from monitor.normalize.record import TrialRecord
from monitor.parse.html import ParsedPage
from monitor.registries.base import FetchText, TrialRef
from monitor.registries.umin.labels import RECEIPT_NUMBER, TRIAL_ID, map_status
from monitor.registries.umin.search import parse_search_page
from monitor.registries.umin.view import PARSER_VERSION as PARSER_VERSION
from monitor.registries.umin.view import normalize_view_page, parse_view_page

NAME = "umin"
TITLE = "UMIN-CTR"
DEFAULT_BASE_URL = "https://center6.umin.ac.jp"
PUBLIC_HOSTS = ("center6.umin.ac.jp", "upload.umin.ac.jp")
LANGUAGES = ("en", "ja")
_FOLDER = {"en": "ctr_e", "ja": "ctr"}


class UminRegistry:
    """UMIN-CTR, configured by the ``[umin]`` section of the config."""

    name = NAME
    title = TITLE

    def __init__(self, base_url: str = DEFAULT_BASE_URL,
                 languages: list[str] | tuple[str, ...] = ("en",)) -> None:
        self.base_url = base_url.rstrip("/")
        self.languages = tuple(languages)
        self._hosts = {*PUBLIC_HOSTS, urlsplit(self.base_url).netloc.lower()}

    # --- IDs and URLs ---------------------------------------------------------------

    def parse_input(self, text: str) -> TrialRef | None:
        text = text.strip()
        if TRIAL_ID.fullmatch(text):
            return TrialRef(NAME, trial_id=text.upper())
        if RECEIPT_NUMBER.fullmatch(text):
            return TrialRef(NAME, receipt_number=text.upper())
        if "://" not in text:
            return None
        url = urlsplit(text)
        if url.netloc.lower() not in self._hosts or "ctr" not in url.path:
            return None
        query = parse_qs(url.query)
        language = "en" if "/ctr_e/" in url.path else "ja"
        receipt = (query.get("recptno") or [""])[0]
        if RECEIPT_NUMBER.fullmatch(receipt):
            return TrialRef(NAME, receipt_number=receipt.upper(), language=language)
        trial = (query.get("ctrno") or [""])[0]
        if TRIAL_ID.fullmatch(trial):
            return TrialRef(NAME, trial_id=trial.upper(), language=language)
        return None

    def search_url(self, trial_id: str, language: str = "en") -> str:
        return (f"{self.base_url}/cgi-open-bin/{_FOLDER[language]}/index.cgi"
                f"?sort=03&function=04&ctrno={trial_id}")

    def page_url(self, ref: TrialRef, language: str) -> str:
        if not ref.receipt_number:
            raise ValueError(f"{ref.label} has no receipt number yet: resolve it first")
        return (f"{self.base_url}/cgi-open-bin/{_FOLDER[language]}/ctr_view.cgi"
                f"?recptno={ref.receipt_number}")

    def resolve(self, ref: TrialRef, fetch: FetchText) -> TrialRef:
        """A UMIN ID alone cannot address a page: look its receipt number up in the
        registry's search (one request, only the first time)."""
        if ref.receipt_number:
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
        return ref.with_ids(ref.trial_id, receipt)

    # --- parsing and normalizing ----------------------------------------------------

    def parse_page(self, text: str, language: str | None = None) -> ParsedPage:
        return parse_view_page(text, language)

    def normalize(self, page: ParsedPage, url: str) -> TrialRecord:
        return normalize_view_page(page, url)

    def canonical_sources(self) -> dict[str, str]:
        return {
            "fields.Summary.Unique ID issued by UMIN": "trial_id",
            "fields.Summary.Receipt number": "receipt_number",
            "fields.Summary.Scientific Title": "title_scientific",
            "fields.Summary.Date of disclosure of the study information": "date_disclosed",
            "fields.Summary.Last modified on": "date_last_modified",
            "fields.Summary.Recruitment status": "status_raw",
            "fields.Basic information.Public title": "title_public",
            "fields.Basic information.Scientific Title": "title_scientific",
            "fields.Condition.Condition": "conditions",
            "fields.Eligibility.Target sample size": "target_sample_size",
            "fields.Progress.Recruitment status": "status_raw",
            "fields.Progress.Anticipated trial start date": "date_start",
            "fields.Progress.Last follow-up date": "date_completion",
            "fields.Management information.Registered date": "date_registered",
            "fields.Management information.Last modified on": "date_last_modified",
            "fields.Other administrative information."
            "Date of disclosure of the study information": "date_disclosed",
        }

    def severity_rules(self) -> list[tuple[str, str]]:
        return [
            ("fields.Assessment.Primary outcomes", "high"),
            ("fields.Assessment.*", "medium"),
            ("fields.Result.Outcome measures", "medium"),
            ("fields.Eligibility.*", "medium"),
            ("fields.Progress.Date*", "high"),
            ("fields.Progress.*date*", "high"),
            ("fields.Result.*", "medium"),
            ("fields.Intervention.*", "medium"),
        ]



__all__ = ["UminRegistry", "map_status", "normalize_view_page", "parse_search_page",
           "parse_view_page"]
