"""Registry-independent helpers for turning HTML into clean, comparable text."""

from monitor.parse.html import (
    BREAK,
    ParsedPage,
    RawField,
    block_text,
    clean_text,
    load_html,
    table_rows,
)

__all__ = [
    "BREAK",
    "ParsedPage",
    "RawField",
    "block_text",
    "clean_text",
    "load_html",
    "table_rows",
]
