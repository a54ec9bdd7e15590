"""Datasette metadata: what every table, view and column of the database holds, so that
a person browsing it (``datasette ctr-monitor.db -m metadata.json``) needs no guide."""

from __future__ import annotations

from typing import Any

_CANONICAL = {
    "status": "canonical recruitment status (not_yet_recruiting, recruiting, "
              "enrolling_by_invitation, active_not_recruiting, suspended, terminated, "
              "completed, unknown)",
    "status_raw": "the registry's own status words",
    "title_public": "public title (English where the page has it)",
    "title_scientific": "scientific title (English where the page has it)",
    "title_public_ja": "public title in Japanese",
    "title_scientific_ja": "scientific title in Japanese",
    "date_registered": "registration date (ISO)",
    "date_disclosed": "date of disclosure (ISO)",
    "date_last_modified": "the registry's last-modified date (ISO)",
    "date_start": "start date (ISO)",
    "date_completion": "completion / last follow-up date (ISO)",
    "target_sample_size": "planned number of participants",
    "secondary_ids": "IDs in other registries (JSON list)",
    "conditions": "conditions studied (JSON list, English where the page has it)",
    "conditions_ja": "conditions studied in Japanese (JSON list)",
}

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "trials": ("One row per registry record: watched trials and the twins they link to.", {
        "registry": "umin (UMIN-CTR) or jrct (jRCT)",
        "trial_id": "the registry's public ID (UMIN000041461, jRCT2063200014)",
        "title": "latest title", "status": "latest canonical status",
        "watched": "1 if watched (with `add` or [[watch]]), 0 if only linked",
        "last_checked_at": "last check (UTC)", "last_success_at": "last successful check",
        "consecutive_failures": "failed checks in a row", "last_error": "why the last failed",
        "next_check_at": "when the daemon checks it next",
        "overdue_since": "not checked successfully within twice its interval since then",
        "last_page_at": "last time its pages were fetched (the daily CSV may spare them)",
    }),
    "trial_keys": ("Each registry's own IDs beside the public one (UMIN-CTR's receipt "
                   "number R…).", {"name": "which ID", "value": "the ID"}),
    "versions": ("A row each time a trial's normalized record changed, per page language.", {
        "number": "version number, per trial and language", "seen_at": "when seen (UTC)",
        **_CANONICAL,
        "record": "the whole canonical record, raw fields included: JSON compressed with "
                  "zstandard against the trial's first version (`ctr-monitor history "
                  "--format json` and `parse` show it)",
        "record_codec": "zstd, or zstd-dict (compressed against record_base)",
        "page": "the raw page (sha256 in pages)",
        "change_count": "how many fields changed", "check_id": "the check that found it",
        "parser": "the parser version that read it", "reparsed_at": "set when `reparse "
        "--apply` rebuilt it",
    }),
    "search_texts": ("Each distinct set of a trial's titles and conditions that any of its "
                     "versions had, once per trial (full-text search, trigram: Japanese "
                     "works; `ctr-monitor search` reads it).", {
                         "trial": "the trial (id in trials)",
                         "hash": "SHA-256 of the six text columns: one row per trial "
                                 "and text",
                         **{name: _CANONICAL[name] for name in (
                             "title_public", "title_scientific", "title_public_ja",
                             "title_scientific_ja", "conditions", "conditions_ja")}}),
    "version_changes": ("What changed in each version, one row per field (old/new as "
                        "JSON; the changes view shows text as text).", {
                            "field": "canonical field, fields.<section>.<label>, or "
                                     "consistency.<field>",
                            "severity": "high, medium or low"}),
    "pages": ("Raw pages as fetched, compressed with zstandard (against the trial's first "
              "page) and de-duplicated by SHA-256, so history can be re-derived.", {}),
    "fetches": ("Every request for a trial and its outcome (lookup, new, changed, "
                "unchanged, failed, deferred), kept in detail for [storage] keep_fetch_log.",
                {"reason": "why a fetch failed or was deferred (timeout, blocked, "
                           "parse_error, lost_fields…)"}),
    "fetch_days": ("Older fetches folded into one row per trial and day.", {}),
    "links": ("Trials that are one trial in two registries (both directions).",
              {"compared_at": "when the pair was last compared"}),
    "disagreements": ("Each disagreement between linked records, opened and (when "
                      "resolved) closed.", {}),
    "alerts": ("The alert outbox: one row per event and channel.", {}),
    "alert_attempts": ("Every delivery attempt and its result.", {}),
    "hosts": ("Registry hosts now paused: they refused us (blocked) or could not be "
              "reached.", {}),
    "listings": ("Each trial as the registry's daily listing (UMIN-CTR's CSV) last showed "
                 "it.", {}),
    "listing_state": ("The daily listing's download state.", {}),
    "query_matches": ("Trials that matched a [[query]] (baseline rows: present at the first "
                      "read, never announced).", {}),
    "unknown_labels": ("Page labels the parsers did not know: a registry redesign on its "
                       "way.", {}),
    "parse_checks": ("Where a parsed page disagreed with the registry's own listing.", {}),
    "latest_records": ("View: each trial's latest version per language.", _CANONICAL),
    "changes": ("View: every change with its trial, version and time.", {}),
    "consistency": ("View: disagreements between linked records.", {}),
}


def metadata(database_name: str) -> dict[str, Any]:
    name = database_name.rsplit(".", 1)[0]
    tables: dict[str, dict[str, Any]] = {table: {"description": description,
                      **({"columns": columns} if columns else {})}
              for table, (description, columns) in TABLES.items()}
    for hidden in ("listings_staging", "_sqlite_migrations", "meta"):
        tables[hidden] = {"hidden": True}
    return {"title": "ctr-monitor", "description": "Clinical-trial registry changes "
            "(UMIN-CTR, jRCT) kept by ctr-monitor", "databases": {name: {"tables": tables}}}
