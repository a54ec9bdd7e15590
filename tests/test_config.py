"""The config: defaults, durations, and one-line errors naming the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config, parse_duration
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid():
    config = load_config(ROOT / "config.toml")
    assert [w.id for w in config.watches] == ["UMIN000041461"]
    assert config.database == ROOT / "ctr-monitor.db"
    assert config.http.min_interval == 5 and config.interval == 6 * 3600
    assert "contact" in config.http.user_agent


def test_defaults_when_no_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.watches == [] and config.database == tmp_path / "ctr-monitor.db"
    assert config.http.min_interval == 5 and config.http.max_retries == 3


def test_explicit_missing_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file .* not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("text, seconds", [
    ("30s", 30), ("10m", 600), ("6h", 21600), ("1d", 86400), ("500ms", 0.5), (5, 5),
    ("2.5s", 2.5),
])
def test_durations(text, seconds):
    assert parse_duration(text, "k") == seconds


@pytest.mark.parametrize("text, message", [
    ('[http]\nmin_interval = "fast"', "[http] min_interval = 'fast': expected a duration"),
    ('[http]\nmax_retries = -1', "[http] max_retries = -1: expected a whole number >= 0"),
    ('[http]\ntimout = "5s"', "unknown key 'timout' in [http]; allowed:"),
    ('[umin]\nlanguages = ["fr"]', "[umin] languages = ['fr']: expected a list drawn from"),
    ('[umin]\nbase_url = "center6"', "[umin] base_url = 'center6': expected an http(s) URL"),
    ('[schedule]\ninterval = "10s"', "[schedule] interval = '10s': at least 1m"),
    ('[jrct]\nfollow_links = "yes"', "[jrct] follow_links = 'yes': expected true or false"),
    ('[severity]\n"status" = "urgent"', "[severity] 'status' = 'urgent': expected one of"),
    ('[[watch]]\nnote = "x"', '[[watch]] #1 needs id = "UMIN…"'),
    ('[[watch]]\nid = "UMIN000041461"\nlanguage = "en"', "unknown key 'language' in [[watch]]"),
    ('[alerts]\nx = 1', "unknown section [alerts]"),
    ("[http\n", "is not valid TOML"),
])
def test_bad_values_name_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_relative_database_is_beside_the_config(tmp_path):
    config = load_config(write(tmp_path, '[storage]\ndatabase = "data/m.db"'))
    assert config.database == tmp_path / "data" / "m.db"
