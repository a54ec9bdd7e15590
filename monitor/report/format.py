"""Values and names as people read them, in English or Japanese: one place that every
human-facing output (terminal, text, Markdown, HTML, e-mail, chat) goes through, so a
status reads 募集終了 / "No longer recruiting" everywhere and never
``active_not_recruiting``. JSON keeps the identifiers.

These return plain text; each renderer escapes it for its format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from monitor.normalize.record import TrialRecord
from monitor.normalize.vocabulary import (
    ABSENT,
    field_label,
    language_name,
    phrase,
    registry_title,
    severity_label,
    status_label,
)

INLINE_LIMIT = 70  # longer values, or values of several lines, are shown as a diff
_STATUS_FIELDS = ("status", "consistency.status")


def value_text(field: str, value: Any, lang: str, registry: str | None = None) -> str:
    """One value of ``field`` in words: statuses in the registry's words, bilingual
    values on the reader's side, lists joined, absence as —."""
    if value is None:
        return ABSENT
    if field in _STATUS_FIELDS and isinstance(value, str):
        return status_label(value, lang, registry)
    if isinstance(value, str):
        return value if value else phrase("empty_value", lang)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, Mapping):
        if set(value) <= {"ja", "en"}:  # a bilingual value: the reader's side first
            first, second = (value.get("ja"), value.get("en")) if lang == "ja" else \
                (value.get("en"), value.get("ja"))
            return value_text(field, first or second or "", lang, registry)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        parts = [value_text(field, item, lang, registry) for item in value]
        joined = "\n".join(parts) if any("\n" in p or len(p) > 40 for p in parts) \
            else ", ".join(parts)
        return joined or phrase("empty_value", lang)
    return str(value)


def is_long(*texts: str) -> bool:
    """Whether values read better as a line diff than side by side on one line."""
    return any("\n" in text for text in texts) or sum(len(t) for t in texts) > INLINE_LIMIT


def field_name(field: str, lang: str, registry: str | None = None) -> str:
    return field_label(field, lang, registry)


def registry_name(name: str, lang: str) -> str:
    return registry_title(name, lang)


def severity_name(severity: str, lang: str) -> str:
    return severity_label(str(severity), lang)


def languages_text(codes: Sequence[str], lang: str) -> str:
    return ("、" if lang == "ja" else ", ").join(language_name(code, lang) for code in codes)


def trial_name(trial_id: str, registry: str, lang: str) -> str:
    """``UMIN000041461 (UMIN-CTR)``."""
    return f"{trial_id} ({registry_title(registry, lang)})"


def colon(lang: str) -> str:
    """Between a label and its value: full-width in Japanese text."""
    return "：" if lang == "ja" else ": "


def record_title(record: TrialRecord | None, lang: str, fallback: str | None = None
                 ) -> str | None:
    """The trial's title in the reader's language where the page gives one."""
    if record is None:
        return fallback
    if lang == "ja":
        japanese = record.get("title_public_ja") or record.get("title_scientific_ja")
        if japanese:
            return str(japanese)
    return record.title_public or record.title_scientific or fallback


def agreement_text(field: str, values: Mapping[str, Any], lang: str) -> str:
    """A disagreement that ended, as a sentence: both registries agree again."""
    (ra, _), (rb, _) = list(values.items())[:2]
    return phrase("consistency_agree_again", lang, a=registry_title(ra, lang),
                  b=registry_title(rb, lang), field=field_label(field, lang))


def disagreement_text(field: str, values: Mapping[str, Any], lang: str) -> str:
    """A disagreement between linked records as a sentence naming both registries and
    their values in words."""
    (ra, va), (rb, vb) = list(values.items())[:2]
    a, b = registry_title(ra, lang), registry_title(rb, lang)
    if field == "status":
        return phrase("consistency_status", lang, a=a, a_status=status_label(va, lang, ra),
                      b=b, b_status=status_label(vb, lang, rb))
    if field == "target_sample_size":
        return phrase("consistency_sample_size", lang, a=a, a_count=va, b=b, b_count=vb)
    if field == "date_last_modified":
        newer, older = (a, b) if str(va) > str(vb) else (b, a)
        from datetime import date

        days = abs((date.fromisoformat(str(va)) - date.fromisoformat(str(vb))).days)
        return phrase("consistency_updated_later", lang, newer=newer, older=older, days=days)
    if field.startswith("title"):
        return phrase("consistency_titles", lang) + f": {a} “{va}”, {b} “{vb}”"
    return f"{field_label(field, lang)}: {a} {value_text(field, va, lang, ra)}, " \
           f"{b} {value_text(field, vb, lang, rb)}"
