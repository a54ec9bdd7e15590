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
    ('[alert]\nx = 1', "unknown section [alert]"),
    ('[alerts]\nx = 1', "unknown key 'x' in [alerts]"),
    ('[alerts]\nmin_severity = "urgent"', "[alerts] min_severity = 'urgent': expected one"),
    ('[[alerts.webhook]]\nformat = "json"', "needs url = \"https://…\" or url_env"),
    ('[[alerts.webhook]]\nurl = "https://x.org/h"\nsecret_env = "my secret!"',
     "secret_env = 'my secret!': expected the name of an environment variable"),
    ('[[alerts.webhook]]\nurl = "https://x.org/h"\nformat = "teams"',
     "format = 'teams': expected json or slack"),
    ('[alerts.email]\nhost = "smtp.x.org"\nfrom = "a@x.org"', "[alerts.email] needs to"),
    ('[alerts.email]\nhost = "h"\nfrom = "a@x.org"\nto = "a@x.org"\npassword = "p"',
     "unknown key 'password' in [alerts.email]"),
    ('[[watch]]\nid = "UMIN000041461"\nalert_min_severity = "hi"',
     "[[watch]] #1 alert_min_severity = 'hi'"),
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


def test_alert_settings(tmp_path):
    config = load_config(write(tmp_path, """
[alerts]
min_severity = "high"
exclude_fields = ["fields.*.TEL"]
failure_threshold = 2
max_age = "1d"
[[alerts.webhook]]
url = "https://hooks.example.org/ctr"
secret_env = "CTR_HOOK_SECRET"
[[alerts.webhook]]
name = "team chat"
url_env = "CTR_SLACK_URL"
format = "slack"
[alerts.email]
host = "smtp.example.org"
username = "monitor"
password_env = "CTR_SMTP_PASSWORD"
from = "monitor@example.org"
to = ["a@example.org", "b@example.org"]
[[watch]]
id = "UMIN000041461"
alert_min_severity = "low"
"""))
    alerts = config.alerts
    assert alerts.rules.min_severity == "high" and alerts.rules.exclude_fields == ("fields.*.TEL",)
    assert (alerts.failure_threshold, alerts.max_age) == (2, 86400)
    assert [(w.name, w.format) for w in alerts.webhooks] == [("webhook-1", "json"),
                                                            ("team chat", "slack")]
    assert alerts.email.to == ("a@example.org", "b@example.org")
    assert alerts.email.port == 587 and alerts.email.starttls
    assert config.watches[0].alert_rules.min_severity == "low"
