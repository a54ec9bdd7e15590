"""jRCT (Japan Registry of Clinical Trials): IDs, URLs, configuration; the detail page's
layout lives in ``detail.py`` and its words in ``labels.py``."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from monitor.normalize.record import TrialRecord
from monitor.parse.html import ParsedPage
from monitor.registries.base import FetchText, TrialRef
from monitor.registries.jrct.detail import PARSER_VERSION as PARSER_VERSION
from monitor.registries.jrct.detail import normalize_detail_page, parse_detail_page
from monitor.registries.jrct.labels import _INPUT_ID, map_status

NAME = "jrct"
TITLE = "jRCT"
DEFAULT_BASE_URL = "https://jrct.niph.go.jp"
PUBLIC_HOSTS = ("jrct.niph.go.jp", "jrct.mhlw.go.jp")
LANGUAGES = ("ja", "en")
_PATH = {"ja": "latest-detail", "en": "en-latest-detail"}


class JrctRegistry:
    """jRCT, configured by the ``[jrct]`` section of the config."""

    name = NAME
    title = TITLE

    def __init__(self, base_url: str = DEFAULT_BASE_URL,
                 languages: list[str] | tuple[str, ...] = ("ja",)) -> None:
        self.base_url = base_url.rstrip("/")
        self.languages = tuple(languages)
        self._hosts = {*PUBLIC_HOSTS, urlsplit(self.base_url).netloc.lower()}

    def parse_input(self, text: str) -> TrialRef | None:
        text = text.strip()
        if _INPUT_ID.fullmatch(text):
            return TrialRef(NAME, trial_id=_canonical_id(text))
        if "://" not in text:
            return None
        url = urlsplit(text)
        if url.netloc.lower() not in self._hosts:
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

    def canonical_sources(self) -> dict[str, str]:
        """Header rows a canonical field reports; section rows vary by year and trial
        type, so their raw changes are reported too."""
        header = {
            "trial_id": ("jRCT番号", "臨床研究実施計画番号", "jRCT ID"),
            "status_raw": ("進捗状況", "Recruitment status"),
            "date_last_modified": ("最終公表日", "Last modified on"),
            "date_registered": ("初回公表日", "Date of registration"),
            "title_scientific": ("研究名称", "Scientific Title"),
            "title_public": ("平易な研究名称", "Public Title"),
            "conditions": ("対象疾患名",),
        }
        return {f"fields.Header.{label}": name for name, labels in header.items()
                for label in labels}

    def severity_rules(self) -> list[tuple[str, str]]:
        return [
            ("fields.*.*主たる評価項目*", "high"),
            ("fields.*.*Primary Outcome*", "high"),
            ("fields.*.*評価項目*", "medium"),
            ("fields.*.*Outcome*", "medium"),
            ("fields.*.*基準*", "medium"),  # 選択基準, 除外基準
            ("fields.*.*criteria*", "medium"),
            ("fields.*.*実施期間*", "high"),
            ("fields.History.*", "low"),
        ]


def _canonical_id(text: str) -> str:
    return "jRCT" + text[4:].lower()



__all__ = ["JrctRegistry", "map_status", "normalize_detail_page", "parse_detail_page"]
