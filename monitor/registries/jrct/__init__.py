"""jRCT (Japan Registry of Clinical Trials): IDs, URLs, configuration; the detail page's
layout lives in ``detail.py`` and its words in ``labels.py``."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import unquote, urlsplit

from monitor.config.section import Section
from monitor.diff.policy import DiffRules
from monitor.diff.severity import Severity
from monitor.normalize.record import TrialRecord
from monitor.parse.html import ParsedPage
from monitor.registries.base import (
    FetchText,
    RegistrySettings,
    TrialRef,
    read_common_settings,
)
from monitor.registries.jrct.detail import (
    PARSER_VERSION,
    normalize_detail_page,
    parse_detail_page,
)
from monitor.registries.jrct.labels import _INPUT_ID, map_status

NAME = "jrct"
TITLE = "jRCT"
# jRCT moved from NIPH to MHLW on 2025-03-25; jrct.niph.go.jp no longer answers, but old
# links name it: both hosts are this registry, and pages are fetched from the base URL.
DEFAULT_BASE_URL = "https://jrct.mhlw.go.jp"
PUBLIC_HOSTS = ("jrct.mhlw.go.jp", "jrct.niph.go.jp")
LANGUAGES = ("ja", "en")
# jRCT's firewall blocked a client after about 30 requests 4 s apart (2 minutes) for about
# 10 minutes, and its terms discourage crawlers: 30 s apart is ten requests in five
# minutes, a third of what was seen to trigger it.
DEFAULT_MIN_INTERVAL = "30s"
_PATH = {"ja": "latest-detail", "en": "en-latest-detail"}


class JrctRegistry:
    """jRCT, configured by the ``[jrct]`` section of the config."""

    name: ClassVar[str] = NAME
    title: ClassVar[str] = TITLE
    all_languages: ClassVar[tuple[str, ...]] = LANGUAGES
    parser_version: ClassVar[str] = PARSER_VERSION
    id_example: ClassVar[str] = "jRCT2063200014 or jRCTs051180190"

    def __init__(self, settings: RegistrySettings | None = None) -> None:
        self.settings = settings or RegistrySettings(DEFAULT_BASE_URL, ("ja",), 30.0)
        self.base_url = self.settings.base_url
        self.rules = RULES
        self.bulk = None

    @classmethod
    def read_settings(cls, section: Section, http_min_interval: float | None
                      ) -> RegistrySettings:
        base_url, languages, interval = read_common_settings(
            section, default_base_url=DEFAULT_BASE_URL, languages=LANGUAGES,
            default_languages=("ja",), default_min_interval=DEFAULT_MIN_INTERVAL,
            http_min_interval=http_min_interval, never_faster_than_default=True)
        return RegistrySettings(base_url=base_url, languages=languages, min_interval=interval)

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({*PUBLIC_HOSTS, urlsplit(self.base_url).netloc.lower()})

    @property
    def fetch_hosts(self) -> frozenset[str]:
        return frozenset({urlsplit(self.base_url).netloc.lower()})

    def parse_input(self, text: str) -> TrialRef | None:
        text = text.strip()
        if _INPUT_ID.fullmatch(text):
            return TrialRef(NAME, trial_id=_canonical_id(text))
        if "://" not in text:
            return None
        url = urlsplit(text)
        if url.netloc.lower() not in self.hosts:
            return None
        parts = [unquote(p) for p in url.path.split("/") if p]
        if len(parts) == 2 and parts[0] in _PATH.values() and _INPUT_ID.fullmatch(parts[1]):
            language = "en" if parts[0].startswith("en-") else "ja"
            return TrialRef(NAME, trial_id=_canonical_id(parts[1]), language=language)
        return None

    def resolve(self, ref: TrialRef, fetch: FetchText) -> TrialRef:
        return ref  # the jRCT ID is the page key: nothing to look up

    def page_url(self, ref: TrialRef, language: str) -> str:
        return f"{self.base_url}/{_PATH[language]}/{ref.trial_id}"

    def parse_page(self, text: str, language: str | None = None) -> ParsedPage:
        return parse_detail_page(text, language)

    def normalize(self, page: ParsedPage, url: str) -> TrialRecord:
        return normalize_detail_page(page, url)


def _canonical_id(text: str) -> str:
    return "jRCT" + text[4:].lower()


# Header rows a canonical field reports; section rows vary by year and trial type, so
# their raw changes are reported too. Labels are matched by meaning (label_key).
_HEADER_SOURCES = {
    "trial_id": ("jRCT番号", "臨床研究実施計画番号", "jRCT ID", "Trial ID"),
    "status": ("進捗状況", "Recruitment status"),
    "date_last_modified": ("最終公表日", "Last modified on"),
    "date_registered": ("初回公表日", "Date of registration"),
    "title_scientific": ("研究名称", "Scientific Title"),
    "title_public": ("平易な研究名称", "Public Title"),
    "conditions": ("対象疾患名", "Health Condition or Problem Studied"),
}

RULES = DiffRules(
    canonical_sources={f"fields.Header.{label}": name
                       for name, labels in _HEADER_SOURCES.items() for label in labels},
    severity=(
        ("fields.*.*主たる評価項目*", Severity.HIGH),
        ("fields.*.*Primary Outcome*", Severity.HIGH),
        ("fields.*.*評価項目*", Severity.MEDIUM),
        ("fields.*.*Outcome*", Severity.MEDIUM),
        ("fields.*.*基準*", Severity.MEDIUM),  # 選択基準, 除外基準
        ("fields.*.*criteria*", Severity.MEDIUM),
        ("fields.*.*Criteria*", Severity.MEDIUM),
        ("fields.*.*実施期間*", Severity.HIGH),
        ("fields.History.*", Severity.LOW),
    ),
)


__all__ = ["JrctRegistry", "map_status", "normalize_detail_page", "parse_detail_page"]
