"""``doctor``: the parsers read every stored page, or say which fields went missing."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner
from conftest import CASSETTES

from monitor.cli.main import cli


def run(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *map(str, args)])


@pytest.fixture
def config(tmp_path):
    """A database built from the cassettes: the seed trial (both languages) and its
    jRCT twin (both languages)."""
    path = tmp_path / "config.toml"
    path.write_text('[umin]\nlanguages = ["en", "ja"]\nuse_csv = false\n'
                    '[jrct]\nlanguages = ["ja", "en"]\n[[watch]]\nid = "R000047329"\n',
                    encoding="utf-8")
    result = run(path, "--replay", CASSETTES / "jrct-jRCT2063200014-v1", "check")
    assert "cassette" in result.output  # the UMIN pages are not in this one
    for cassette in ("umin-R000047329-v1", "jrct-jRCT2063200014-v1"):
        run(path, "--replay", CASSETTES / cassette, "check")
    return path


def test_doctor_offline_reads_every_stored_page(config):
    result = run(config, "doctor")
    assert result.exit_code == 0, result.output
    text = result.output
    for heading in ("UMIN-CTR [en]: 1 of 1 page parse", "UMIN-CTR [ja]: 1 of 1 page parse",
                    "jRCT [ja]: 1 of 1 page parse", "jRCT [en]: 1 of 1 page parse"):
        assert heading in text
    assert "ok  status" in text and "ok  trial_id" in text
    assert text.rstrip().endswith("verdict: the parsers read every page")
    data = json.loads(run(config, "doctor", "--format", "json").output)
    assert data["ok"] and len(data["pages"]) == 4
    assert all(page["found"]["status"] for page in data["pages"])


def test_doctor_says_when_a_stored_page_no_longer_parses(config, tmp_path):
    import sqlite_utils
    import zstandard

    db = sqlite_utils.Database(tmp_path / "ctr-monitor.db")
    broken = zstandard.ZstdCompressor().compress(b"<html><body>maintenance</body></html>")
    sha = db.execute("select page from versions v join trials t on t.id = v.trial "
                     "where t.registry = 'jrct' and v.language = 'ja'").fetchone()[0]
    db.execute("update pages set content = ?, compression = 'zstd', base = null "
               "where sha256 = ?", [broken, sha])
    db.conn.commit()
    db.close()
    result = run(config, "doctor")
    assert result.exit_code == 1
    assert "jRCT [ja]: 0 of 1 page parse" in result.output
    assert "a page lacks a field every page has" in result.output


def test_read_commands_work_on_a_read_only_database(config, tmp_path):
    database = tmp_path / "ctr-monitor.db"
    before = {p.name: p.read_bytes() for p in tmp_path.glob("ctr-monitor.db*")}
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    database.chmod(stat.S_IRUSR)
    try:
        if os.access(database, os.W_OK):
            pytest.skip("running as a user who can write anything (root)")
        for command in (("list",), ("history", "R000047329"), ("report",), ("status",),
                        ("doctor",), ("consistency",), ("search", "cirrhosis")):
            result = run(config, *command)
            assert result.exit_code == 0, (command, result.output)
        check = run(config, "check")
        assert check.exit_code != 0 and "read-only for this user" in check.output
    finally:
        tmp_path.chmod(0o755)
        database.chmod(0o644)
    assert {p.name: p.read_bytes() for p in tmp_path.glob("ctr-monitor.db*")} == before


def test_read_commands_never_write(config, tmp_path):
    database = tmp_path / "ctr-monitor.db"
    before = database.read_bytes()
    for command in (("list",), ("report", "--format", "html"), ("status",), ("doctor",)):
        assert run(config, *command).exit_code == 0
    assert database.read_bytes() == before
    wal = tmp_path / "ctr-monitor.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # nothing written through the WAL


def test_a_database_this_user_cannot_write_refuses_writes_in_one_line(config, tmp_path,
                                                                     monkeypatch):
    """As root every file is writable, so the check of permissions is made to answer as
    it would for another user."""
    import monitor.store.database as database

    real = os.access
    monkeypatch.setattr(database.os, "access",
                        lambda path, mode: False if mode == os.W_OK else real(path, mode))
    assert run(config, "list").exit_code == 0
    assert run(config, "report").exit_code == 0
    result = run(config, "check")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line]
    assert lines[-1].startswith("error: database ") and "read-only for this user" in lines[-1]


def test_doctor_live_fetches_each_registry_and_language_into_a_cassette(tmp_path):
    from servers import RegistryServer, serving

    from monitor.fetch import load_cassette

    with serving(RegistryServer()) as server:
        for cassette in ("umin-R000047329-v1", "jrct-jRCT2063200014-v1"):
            server.load(cassette)
        config = tmp_path / "config.toml"
        config.write_text(f'[umin]\nbase_url = "{server.base_url}"\nmin_interval = "0s"\n'
                          f'[jrct]\nbase_url = "{server.base_url}"\nmin_interval = "0s"\n',
                          encoding="utf-8")
        out = tmp_path / "doctor-cassette"
        result = run(config, "doctor", "--live", "R000047329", "jRCT2063200014", "--out", out)
        assert result.exit_code == 0, result.output
        assert "verdict: the parsers read every page" in result.output
        assert f"pages saved as a cassette in {out}" in result.output
        recorded = load_cassette(out)
        assert len(recorded) == 4  # two registries, two languages each
        # a registry that no longer serves its pages whole: a clear verdict, exit 1
        server.set("/latest-detail/jRCT2063200014", 200, b"<html><body>maintenance</body></html>")
        broken = run(config, "doctor", "--live", "jRCT2063200014", "--out", tmp_path / "again")
        assert broken.exit_code == 1
        assert "a page lacks a field every page has" in broken.output


def test_doctor_live_with_no_registry_reachable_says_so(tmp_path):
    """No network: the verdict is the network's, not the parsers', no cassette is
    claimed, and the exit is non-zero; --replay cannot stand in for the registries."""
    import socket

    with socket.socket() as closed:  # a port nothing listens on: refused at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{tmp_path / "x.db"}"\n'
                      f'[http]\nmax_retries = 0\n'
                      f'[umin]\nbase_url = "http://127.0.0.1:{port}"\nmin_interval = "0s"\n'
                      f'[jrct]\nbase_url = "http://127.0.0.1:{port}"\nmin_interval = "0s"\n',
                      encoding="utf-8")
    out = tmp_path / "nothing"
    result = run(config, "doctor", "--live", "--out", out)
    assert result.exit_code == 1, result.output
    assert "could not be reached" in result.output
    assert "verdict: no registry could be reached" in result.output
    assert "0/0" not in result.output and "saved as a cassette" not in result.output
    replayed = run(config, "--replay", str(CASSETTES / "seed-v1"), "doctor", "--live")
    assert replayed.exit_code == 2 and "drop --replay" in replayed.output


def test_doctor_live_with_one_registry_down_judges_the_other(tmp_path):
    """jRCT in an outage (503 after retries), UMIN-CTR answering: the parsers are judged
    on what was fetched, the outage is named as such, and a 404 would not be one."""
    from servers import RegistryServer, serving

    with serving(RegistryServer()) as server:
        server.load("umin-R000047329-v1")
        for path in ("/latest-detail/jRCT2063200014", "/en-latest-detail/jRCT2063200014"):
            server.set(path, 503, b"<html><body>Service Unavailable</body></html>")
        config = tmp_path / "config.toml"
        config.write_text(f'[http]\nmax_retries = 0\n'
                          f'[umin]\nbase_url = "{server.base_url}"\nmin_interval = "0s"\n'
                          f'[jrct]\nbase_url = "{server.base_url}"\nmin_interval = "0s"\n',
                          encoding="utf-8")
        result = run(config, "doctor", "--live", "R000047329", "jRCT2063200014", "--out",
                     tmp_path / "out")
        assert "verdict: the pages fetched parse; 2 could not be fetched" in result.output
        assert "jRCT [ja]: could not be reached" in result.output
