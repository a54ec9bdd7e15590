"""Registry-independent helpers for turning HTML into clean, comparable text."""

from monitor.parse.html import (
    BREAK,
    ParsedPage,
    RawField,
    clean_text,
    iter_rows,
    load_html,
    row_cells,
    table_rows,
)

__all__ = [
    "BREAK",
    "ParsedPage",
    "RawField",
    "clean_text",
    "iter_rows",
    "load_html",
    "row_cells",
    "table_rows",
]
