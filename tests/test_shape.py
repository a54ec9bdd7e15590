"""The shape of the code: one core and thin shells; a registry is its package and one
registration line."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakereg import FakeRegistry, page
from servers import RegistryServer, serving

from monitor.cli.main import cli
from monitor.registries import REGISTRY_TYPES

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"
SHELLS = [*sorted((PACKAGE / "cli").glob("*.py")), PACKAGE / "daemon.py"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("path", SHELLS, ids=lambda p: p.name)
def test_shells_reach_the_core_only(path):
    modules = imported_modules(path)
    assert not {m for m in modules if m.startswith(("monitor.store", "monitor.fetch"))}
    source = path.read_text(encoding="utf-8").lower()
    for sql in ("select ", "insert into", "update trials", "delete from", ".execute("):
        assert sql not in source, f"{path.name} talks SQL ({sql!r})"


def test_a_third_registry_is_a_module_and_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY_TYPES, "fake", FakeRegistry)  # the one registration line
    with serving(RegistryServer()) as server:
        server.set("/trial/FAKE-0001", 200, page("FAKE-0001", "Open", "2026-01-05", 40))
        config = tmp_path / "config.toml"
        config.write_text(f'[fake]\nbase_url = "{server.base_url}"\nmin_interval = "0s"\n'
                          '[umin]\nuse_csv = false\n', encoding="utf-8")

        def run(*args: str) -> str:
            result = CliRunner().invoke(cli, ["--config", str(config), *args])
            assert result.exit_code == 0, result.output
            return result.output

        assert "watching FAKE-0001" in run("add", "fake-0001")
        assert "first version stored" in run("check")
        server.set("/trial/FAKE-0001", 200, page("FAKE-0001", "Closed", "2026-02-01", 45))
        second = run("check")
        assert "FAKE-0001 (Fake Trials Registry) [en]  CHANGED → version 2" in second
        changes = {c["field"]: (c["old"], c["new"])
                   for c in json.loads(run("diff", "FAKE-0001", "--format", "json"))}
        assert changes["status"] == ("recruiting", "active_not_recruiting")
        assert changes["target_sample_size"] == (40, 45)
        listed = json.loads(run("list", "--format", "json"))
        assert [(t["registry"], t["trial_id"], t["status"]) for t in listed] == [
            ("fake", "FAKE-0001", "active_not_recruiting")]
        report = run("report")
        assert "FAKE-0001" in report and "Active, not recruiting" in report
        assert [path for path, _ in server.requests] == ["/trial/FAKE-0001"] * 2
