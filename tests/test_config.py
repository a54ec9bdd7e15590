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
    assert config.schedule.interval == 6 * 3600
    assert "contact" in config.http.user_agent
    assert config.registries["jrct"].base_url == "https://jrct.mhlw.go.jp"
    assert (config.registries["umin"].min_interval, config.registries["jrct"].min_interval) \
        == (5, 30)


def test_defaults_when_no_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.watches == () and config.database == tmp_path / "ctr-monitor.db"
    assert config.http.max_retries == 3 and config.http.block_cooldown == 900
    # politeness per registry: jRCT's firewall blocks bursts, so it is asked far less often
    assert config.registries["umin"].min_interval == 5
    assert config.registries["jrct"].min_interval == 30
    assert config.registries["jrct"].base_url == "https://jrct.mhlw.go.jp"
    assert config.registries["umin"].use_csv and config.registries["umin"].max_page_age == 7 * 86400
    assert config.follow_links and config.keep_fetch_log == 90 * 86400


def test_http_min_interval_is_the_fallback_but_never_speeds_up_jrct(tmp_path):
    config = load_config(write(tmp_path, '[http]\nmin_interval = "8s"\n'))
    assert config.registries["umin"].min_interval == 8
    assert config.registries["jrct"].min_interval == 30
    config = load_config(write(tmp_path, '[http]\nmin_interval = "60s"\n'
                                          '[jrct]\nmin_interval = "20s"\n'))
    assert (config.registries["umin"].min_interval,
            config.registries["jrct"].min_interval) == (60, 20)


def test_legacy_follow_links_under_jrct_still_reads(tmp_path):
    config = load_config(write(tmp_path, "[jrct]\nfollow_links = false\n"))
    assert config.follow_links is False and config.notes


def test_explicit_missing_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file .* not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("text, seconds", [
    ("30s", 30), ("10m", 600), ("6h", 21600), ("1d", 86400), ("500ms", 0.5),
    ("2.5s", 2.5), (" 5 s ", 5),
])
def test_durations(text, seconds):
    assert parse_duration(text, "k") == seconds


@pytest.mark.parametrize("text, message", [
    ('[http]\nmin_interval = "fast"', "[http] min_interval = 'fast': expected a duration"),
    ('[http]\nmax_retries = -1', "[http] max_retries = -1: expected a whole number from 0"),
    ('[http]\ntimeout = 30', "[http] timeout = 30: expected a duration with its unit"),
    ('[schedule]\ninterval = "99999999999999999999d"', "[schedule] interval = "
     "'99999999999999999999d': at most 365d"),
    ('[schedule]\ninterval = "1h"\njitter = "2h"', "[schedule] jitter = '2h': no longer than "
     "[schedule] interval (1h)"),
    ('[alerts.email]\nhost = "h"\nfrom = "a@x.org"\nto = ["b@x.org"]\nport = 99999',
     "[alerts.email] port = 99999: expected a whole number from 1 to 65535"),
    ('[alerts]\nfields = ["statsu"]', "[alerts] fields: 'statsu' matches no field"),
    ('[severity]\n"statsu" = "high"', "'statsu' matches no field"),
    ('[umin]\nmin_interval = "0s"', "[umin] min_interval = '0s': at least 1s, to be polite"),
    ('[http]\nmin_interval = "0s"', "[http] min_interval = 0ms: at least 1s for [umin]"),
    ('[umin]\nmax_page_age = "10m"', "[umin] max_page_age = '10m': at least 1h"),
    ('[[query]]\nname = "x"', '[[query]] #1 needs text = '),
    ('[[query]]\nname = "x"\ntext = "y"\nstatus = ["open"]', "[[query]] #1 status = ['open']:"
     " expected a list of statuses drawn from"),
    ('[report]\nlanguage = "fr"', "[report] language = 'fr': expected en or ja"),
    ('[http]\ntimout = "5s"', "unknown key 'timout' in [http]; allowed:"),
    ('[umin]\nlanguages = ["fr"]', "[umin] languages = ['fr']: expected a list of languages "
     "drawn from"),
    ('[umin]\nbase_url = "center6"', "[umin] base_url = 'center6': expected an http(s) URL"),
    ('[schedule]\ninterval = "10s"', "[schedule] interval = '10s': at least 1m"),
    ('[links]\nfollow = "yes"', "[links] follow = 'yes': expected true or false"),
    ('[severity]\n"status" = "urgent"', "[severity] 'status' = 'urgent': expected one of"),
    ('[[watch]]\nnote = "x"', '[[watch]] #1 needs id = "UMIN000041461"'),
    ('[[watch]]\nid = "UMIN000041461"\nlanguage = "en"', "unknown key 'language' in [[watch]]"),
    ('[alert]\nx = 1', "unknown section [alert]"),
    ('[alerts]\nx = 1', "unknown key 'x' in [alerts]"),
    ('[alerts]\nmin_severity = "urgent"', "[alerts] min_severity = 'urgent': expected one"),
    ('[[alerts.webhook]]\nformat = "json"', "needs url = \"https://…\" or url_env"),
    ('[[alerts.webhook]]\nurl = "https://x.org/h"\n[[alerts.webhook]]\nurl = "https://y.org/h"'
     '\nname = "webhook-1"', "two alert channels are both named 'webhook-1'"),
    ('[[alerts.webhook]]\nurl = "https://x.org/h"\nsecret_env = "my secret!"',
     "secret_env = 'my secret!': expected the name of an environment variable"),
    ('[[alerts.webhook]]\nurl = "https://x.org/h"\nformat = "teams"',
     "format = 'teams': expected json or slack"),
    ('[storage]\ndatabase = "config.toml/m.db"', "is a file, not a folder"),
    ('[alerts.email]\nhost = "smtp.x.org"\nfrom = "a@x.org"',
     '[alerts.email] needs to = ["you@example.org"] (the recipients)'),
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
    webhooks = [c for c in alerts.channels if c.kind == "webhook"]
    assert [(w.name, w.format) for w in webhooks] == [("webhook-1", "json"),
                                                      ("team chat", "slack")]
    email = next(c for c in alerts.channels if c.kind == "email")
    assert email.to == ("a@example.org", "b@example.org")
    assert email.port == 587 and email.starttls
    assert config.watches[0].alert_rules.min_severity == "low"


def test_unset_secrets_are_found_before_anything_runs(tmp_path):
    from monitor.config import environment_problems

    config = load_config(write(tmp_path, """
[[alerts.webhook]]
url_env = "CTR_HOOK_URL"
secret_env = "CTR_HOOK_SECRET"
[alerts.email]
host = "smtp.example.org"
username = "monitor"
password_env = "CTR_SMTP_PASSWORD"
from = "monitor@example.org"
to = ["a@example.org"]
"""))
    problems = environment_problems(config, {"CTR_HOOK_URL": "https://x.org/h",
                                             "CTR_SMTP_PASSWORD": ""})
    assert len(problems) == 2
    assert problems[0].startswith("environment variable CTR_HOOK_SECRET (the signing key "
                                  "of webhook webhook-1")
    assert "is not set" in problems[0]
    assert "CTR_SMTP_PASSWORD" in problems[1] and "is empty" in problems[1]
    assert environment_problems(config, {"CTR_HOOK_URL": "https://x.org/h",
                                         "CTR_HOOK_SECRET": "s",
                                         "CTR_SMTP_PASSWORD": "p"}) == []
    not_a_url = environment_problems(config, {"CTR_HOOK_URL": "x.org/h", "CTR_HOOK_SECRET": "s",
                                              "CTR_SMTP_PASSWORD": "p"})
    assert len(not_a_url) == 1 and "CTR_HOOK_URL" in not_a_url[0]
    assert "is not a URL" in not_a_url[0] and "x.org/h" not in not_a_url[0]
