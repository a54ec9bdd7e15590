"""Rebuilding history from the stored raw pages with the current parser."""

from __future__ import annotations

import json
import zlib

import pytest
from click.testing import CliRunner
from conftest import VIEW_EN, cassette_body

from monitor.cli.main import cli
from monitor.normalize import content_hash

HTML = {"content-type": "text/html; charset=UTF-8"}


@pytest.fixture
def config(tmp_path, httpx_mock):
    path = tmp_path / "config.toml"
    path.write_text('[http]\nmin_interval = "0s"\nmax_retries = 0\n[jrct]\nfollow_links = false\n'
                    '[[alerts.webhook]]\nurl = "https://hooks.example.org/x"\n'
                    '[[watch]]\nid = "R000047329"\n', encoding="utf-8")
    for version in (1, 2):
        httpx_mock.add_response(url=VIEW_EN, headers=HTML,
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
    row = store.trials()[0]
    versions = store.versions(row.id, "en")
    old = []
    for version in versions:
        record = {**version.record, "target_sample_size": None}
        old.append((record, content_hash(record), []))
    with store.transaction():
        store.rewrite_history(row, "en", [v.id for v in versions], old)
    store.db.execute("update versions set reparsed_at = null")
    return row


def test_nothing_to_rebuild_after_a_fresh_check(config):
    result = run(config, "reparse")
    assert result.exit_code == 0
    assert result.output.strip() == "UMIN000041461 [en]  2 versions, 0 would change"


def test_dry_run_then_apply(config):
    store = open_store(config)
    row = as_an_old_parser_had_it(store)
    alerts_before = store.db["alerts"].count
    store.close()

    dry = run(config, "reparse", "UMIN000041461")
    assert "2 versions, 2 would change (run with --apply)" in dry.output
    assert "HIGH    target_sample_size  — → 10" in dry.output
    store = open_store(config)
    assert store.version(row.id, "en", 1).record["target_sample_size"] is None  # untouched
    store.close()

    applied = json.loads(run(config, "reparse", "--apply", "--format", "json").output)
    assert applied[0]["applied"] is True and set(applied[0]["changed"]) == {"1", "2"}
    store = open_store(config)
    v1, v2 = store.versions(row.id, "en")
    assert v1.record["target_sample_size"] == v2.record["target_sample_size"] == 10
    assert [c.field for c in store.changes(v2.id)][:2] == ["status", "date_last_modified"]
    stamps = store.db.execute("select reparsed_at from versions").fetchall()
    assert all(stamp is not None for (stamp,) in stamps)
    assert store.db["alerts"].count == alerts_before  # a rebuild never alerts
    assert store.db.execute("select target_sample_size from versions").fetchall() == \
        [(10,), (10,)]
    store.close()
    assert "0 would change" in run(config, "reparse").output


def test_a_page_the_parser_cannot_read_leaves_history_alone(config):
    store = open_store(config)
    row = store.trials()[0]
    sha = store.versions(row.id, "en")[0].page
    broken = zlib.compress(b"<html><body>maintenance</body></html>")
    store.db.execute("update pages set content = ?, compression = 'zlib' where sha256 = ?",
                     [broken, sha])
    before = store.db.execute("select record from versions order by id").fetchall()
    store.close()
    result = run(config, "reparse", "--apply")
    assert result.exit_code == 1
    assert "cannot re-parse: not a UMIN-CTR view page" in result.output
    assert "(history left as it was)" in result.output
    store = open_store(config)
    assert store.db.execute("select record from versions order by id").fetchall() == before
    store.close()
