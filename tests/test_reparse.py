"""Rebuilding history from the stored raw pages with the current parser."""

from __future__ import annotations

import json
import zlib

import pytest
from click.testing import CliRunner
from conftest import LOCAL_VIEW_EN, VIEW_EN, cassette_body, write_config

from monitor.cli.main import cli
from monitor.normalize import content_hash

HTML = {"content-type": "text/html; charset=UTF-8"}


@pytest.fixture
def config(tmp_path, httpx_mock):
    path = write_config(tmp_path, '[links]\nfollow = false\n[severity]\n'
                        '"date_last_modified" = "high"\n'
                        '[[alerts.webhook]]\nurl = "https://hooks.example.org/x"\n'
                        '[[watch]]\nid = "R000047329"\n')
    for version in (1, 2):
        httpx_mock.add_response(url=LOCAL_VIEW_EN, headers=HTML,
                                content=cassette_body(f"umin-R000047329-v{version}", VIEW_EN))
    httpx_mock.add_response(url="https://hooks.example.org/x", method="POST",
                            is_reusable=True, is_optional=True)
    for _ in range(2):
        assert run(path, "check").exit_code == 0
    return path


def run(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def open_store(config):
    from monitor.store import Store
    return Store(config.parent / "ctr-monitor.db")


def as_an_old_parser_had_it(store):
    """Rewrite the stored records as a parser that missed the sample size would have."""
    import dataclasses

    row = store.trials.all()[0]
    versions = store.versions.of_trial(row.id, "en")
    old = []
    for version in versions:
        record = dataclasses.replace(version.record, target_sample_size=None)
        old.append((record, content_hash(record.to_dict()), []))
    with store.transaction():
        store.versions.rewrite_history([v.id for v in versions], old, "2")
    store.database.db.execute("update versions set reparsed_at = null")
    return row


def test_nothing_to_rebuild_after_a_fresh_check(config):
    result = run(config, "reparse")
    assert result.exit_code == 0
    assert result.output.strip() == ("UMIN000041461 [en]  2 versions, all read as stored: "
                                     "nothing to rebuild")


def test_dry_run_then_apply(config):
    store = open_store(config)
    row = as_an_old_parser_had_it(store)
    alerts_before = store.database.db["alerts"].count
    store.close()

    dry = run(config, "reparse", "UMIN000041461")
    assert "2 versions, 2 would change (run with --apply)" in dry.output
    assert "High    Target sample size: — → 10" in dry.output
    store = open_store(config)
    assert store.versions.get(row.id, "en", 1).record.target_sample_size is None  # untouched
    store.close()

    applied = json.loads(run(config, "reparse", "--apply", "--format", "json").output)
    assert applied[0]["applied"] is True and set(applied[0]["changed"]) == {"1", "2"}
    store = open_store(config)
    v1, v2 = store.versions.of_trial(row.id, "en")
    assert v1.record.target_sample_size == v2.record.target_sample_size == 10
    changes = store.versions.changes(v2.id)
    assert [c.field for c in changes][:2] == ["status", "date_last_modified"]
    db = store.database.db
    stamps = db.execute("select reparsed_at from versions").fetchall()
    assert all(stamp is not None for (stamp,) in stamps)
    assert db["alerts"].count == alerts_before  # a rebuild never alerts
    assert db.execute("select target_sample_size from versions").fetchall() == [(10,), (10,)]
    store.close()
    assert "nothing to rebuild" in run(config, "reparse").output


def test_a_page_the_parser_cannot_read_leaves_history_alone(config):
    store = open_store(config)
    row = store.trials.all()[0]
    sha = store.versions.of_trial(row.id, "en")[0].page
    broken = zlib.compress(b"<html><body>maintenance</body></html>")
    db = store.database.db
    db.execute("update pages set content = ?, compression = 'zlib', base = null "
               "where sha256 = ?", [broken, sha])
    db.execute("update pages set content = ?, compression = 'zlib', base = null",
               [broken])
    before = db.execute("select record from versions order by id").fetchall()
    store.close()
    result = run(config, "reparse", "--apply")
    assert result.exit_code == 1
    assert "cannot re-parse: " in result.output and "UMIN-CTR view page" in result.output
    assert "(history left as it was)" in result.output
    store = open_store(config)
    assert store.database.db.execute("select record from versions order by id"
                                     ).fetchall() == before
    store.close()


def test_a_rebuild_keeps_the_user_s_severity_overrides(config):
    """One diff policy: a change stored as high by a check (a [severity] override) is
    still high after a reparse."""
    store = open_store(config)
    row = store.trials.all()[0]
    v2 = store.versions.of_trial(row.id, "en")[1]
    before = {c.field: c.severity for c in store.versions.changes(v2.id)}
    as_an_old_parser_had_it(store)
    store.close()
    assert run(config, "reparse", "--apply").exit_code == 0
    store = open_store(config)
    after = {c.field: c.severity for c in store.versions.changes(v2.id)}
    store.close()
    assert before["date_last_modified"] == after["date_last_modified"] == "high"
    assert before == after
