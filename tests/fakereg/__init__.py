"""A third registry, as small as a registry can be: "the Fake Trials Registry", whose
pages at ``/trial/FAKE-0001`` are one table of labelled rows. It exists to show that a
registry is one package plus one line in ``REGISTRY_TYPES``: nothing in the core names
it, and its test runs it end to end."""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from monitor.config.section import Section
from monitor.diff.policy import DiffRules
from monitor.errors import ParseError
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import parse_date, parse_int
from monitor.parse.html import ParsedPage, RawField, label_key, load_html, node_text
from monitor.registries.base import FetchText, RegistrySettings, TrialRef, read_common_settings

NAME = "fake"
TRIAL_ID = re.compile(r"FAKE-\d{4}")
_LABELS = {"trialid": "trial_id", "status": "status", "title": "title_scientific",
           "lastupdated": "date_last_modified", "samplesize": "target_sample_size"}
_STATUS = {"open": "recruiting", "closed": "active_not_recruiting", "done": "completed"}


class FakeRegistry:
    name: ClassVar[str] = NAME
    title: ClassVar[str] = "Fake Trials Registry"
    all_languages: ClassVar[tuple[str, ...]] = ("en",)
    parser_version: ClassVar[str] = "1"
    id_example: ClassVar[str] = "FAKE-0001"

    def __init__(self, settings: RegistrySettings | None = None) -> None:
        self.settings = settings or RegistrySettings("https://fake.example.org", ("en",), 5.0)
        self.rules = DiffRules()
        self.bulk = None

    @classmethod
    def read_settings(cls, section: Section, http_min_interval: float | None
                      ) -> RegistrySettings:
        return RegistrySettings(*read_common_settings(
            section, default_base_url="https://fake.example.org", languages=("en",),
            default_languages=("en",), default_min_interval="5s",
            http_min_interval=http_min_interval))

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({urlsplit(self.settings.base_url).netloc})

    @property
    def fetch_hosts(self) -> frozenset[str]:
        return self.hosts

    def parse_input(self, text: str) -> TrialRef | None:
        match = TRIAL_ID.fullmatch(text.strip().upper())
        return TrialRef(NAME, trial_id=match.group()) if match else None

    def resolve(self, ref: TrialRef, fetch: FetchText) -> TrialRef:
        return ref

    def page_url(self, ref: TrialRef, language: str) -> str:
        return f"{self.settings.base_url}/trial/{ref.trial_id}"

    def parse_page(self, text: str, language: str | None = None) -> ParsedPage:
        tree = load_html(text)
        fields = []
        for row in tree.css("tr"):
            head, cell = row.css_first("th"), row.css_first("td")
            if head is not None and cell is not None:
                label = node_text(head)
                fields.append(RawField("Trial", label, node_text(cell), label,
                                       meaning=_LABELS.get(label_key(label), "")))
        found = {raw.meaning for raw in fields}
        missing = [m for m in ("trial_id", "status", "title_scientific") if m not in found]
        if missing or "</html>" not in text[-200:]:
            raise ParseError(f"not a whole Fake Trials Registry page (no {missing})")
        return ParsedPage(NAME, "en", {}, fields)

    def normalize(self, page: ParsedPage, url: str) -> TrialRecord:
        def text(meaning: str) -> str:
            return str(page.first(meaning) or "")

        status = text("status")
        return TrialRecord(
            registry=NAME, trial_id=text("trial_id"), language="en", url=url,
            title_scientific=text("title_scientific"),
            status=_STATUS.get(status.lower(), "unknown"), status_raw=status,
            date_last_modified=parse_date(text("date_last_modified")),
            target_sample_size=parse_int(text("target_sample_size")),
            fields=page.as_mapping())


def page(trial: str, status: str, updated: str, size: int) -> bytes:
    return (f"<html><body><table><tr><th>Trial ID</th><td>{trial}</td></tr>"
            f"<tr><th>Title</th><td>A fake study of {trial}</td></tr>"
            f"<tr><th>Status</th><td>{status}</td></tr>"
            f"<tr><th>Last updated</th><td>{updated}</td></tr>"
            f"<tr><th>Sample size</th><td>{size}</td></tr></table></body></html>").encode()
