"""The canonical record every registry is normalized into, and the value helpers
(dates, integers, status vocabulary, comparison form) that registries share."""

from monitor.normalize.record import CANONICAL_FIELDS, STATUSES, TrialRecord
from monitor.normalize.values import (
    comparable,
    content_hash,
    parse_date,
    parse_int,
    split_bilingual,
)

__all__ = [
    "CANONICAL_FIELDS",
    "STATUSES",
    "TrialRecord",
    "comparable",
    "content_hash",
    "parse_date",
    "parse_int",
    "split_bilingual",
]
