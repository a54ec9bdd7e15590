"""One answer to "is this Japanese?": kana, kanji (CJK ideographs, extension A included)
and half-width katakana. Used wherever a text's language decides something — which half
of a bilingual label is which, whether a title can be compared with an English one,
whether a decode looks right."""

from __future__ import annotations

import re

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def has_japanese(text: str) -> bool:
    return JAPANESE.search(text) is not None


def japanese_count(text: str) -> int:
    return len(JAPANESE.findall(text))
