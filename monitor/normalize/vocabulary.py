"""Human words for identifiers, in English and Japanese.

Reports and alerts are read by research coordinators, most of whom read Japanese first;
they should see 募集終了 or "No longer recruiting", never ``active_not_recruiting``, and
"Eligibility › Key inclusion criteria" or "適格性 › 選択基準", never
``fields.Eligibility.Key inclusion criteria``. Where a registry has its own word for a
thing, that word is used: it is the one the reader knows from the registry's page.

Registry-specific words are plain data in ``monitor/registries/<name>/words.py``: the
``words`` module of the registry's package, found through ``REGISTRY_TYPES``. Every lookup
that finds nothing gives back the identifier or the registry's own text unchanged: an
untranslated label is better than a wrong one.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from monitor.errors import MonitorError

LANGUAGES = ("en", "ja")

ABSENT = "—"  # what a missing value or status reads as, in every language
PATH_SEPARATOR = " › "


class LanguageError(MonitorError):
    """A report or alert language ctr-monitor does not write in."""

    exit_code = 2


class Words(NamedTuple):
    """One thing said in both languages; a NamedTuple so that neither can be left out."""

    en: str
    ja: str

    def get(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class SectionWords:
    """A section of a registry's page and the words of the field labels it holds.

    ``labels`` maps a raw label (as the parser keys it) to its words; the label is also
    recognised by either of its words, so pages keyed in either language both work.
    """

    words: Words
    labels: Mapping[str, Words] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # other raw names of the section (older layouts)


@dataclass(frozen=True)
class RegistryWords:
    """A registry's own words: what ``monitor/registries/<name>/words.py`` provides.

    ``statuses`` and ``fields`` override the generic words of canonical statuses and
    fields; ``sections`` name raw-field sections (keyed by the parser's section name);
    ``labels`` are labels known whatever their section (a label two sections translate
    differently is better put in each section). ``numbered_headings`` says the
    registry numbers its headings (``２　``, ``（１）``), which are shown without.
    """

    name: str
    title: Words
    statuses: Mapping[str, Words] = field(default_factory=dict)
    fields: Mapping[str, Words] = field(default_factory=dict)
    sections: Mapping[str, SectionWords] = field(default_factory=dict)
    labels: Mapping[str, Words] = field(default_factory=dict)
    numbered_headings: bool = False


# --- generic words ----------------------------------------------------------------------

STATUS_WORDS: dict[str, Words] = {
    "not_yet_recruiting": Words("Not yet recruiting", "募集前"),
    "recruiting": Words("Recruiting", "募集中"),
    "enrolling_by_invitation": Words("Enrolling by invitation", "限定募集中"),
    "active_not_recruiting": Words("Active, not recruiting", "募集終了"),
    "suspended": Words("Suspended", "中断"),
    "terminated": Words("Terminated", "中止"),
    "completed": Words("Completed", "終了"),
    "unknown": Words("Unknown", "不明"),
}

FIELD_WORDS: dict[str, Words] = {
    "registry": Words("Registry", "レジストリ"),
    "trial_id": Words("Trial ID", "試験ID"),
    "language": Words("Page language", "ページの言語"),
    "url": Words("Page URL", "ページのURL"),
    "registry_ids": Words("Registry's own IDs", "登録上のID"),
    "title_public": Words("Public title", "一般向け試験名"),
    "title_scientific": Words("Scientific title", "科学的試験名"),
    "title_public_ja": Words("Public title (Japanese)", "一般向け試験名（日本語）"),
    "title_scientific_ja": Words("Scientific title (Japanese)", "科学的試験名（日本語）"),
    "conditions_ja": Words("Conditions (Japanese)", "対象疾患（日本語）"),
    "status": Words("Recruitment status", "進捗状況"),
    "status_raw": Words("Recruitment status (registry's words)", "進捗状況（登録上の表記）"),
    "date_registered": Words("Registration date", "登録日"),
    "date_disclosed": Words("Date of disclosure", "一般公開日"),
    "date_last_modified": Words("Last modified", "最終更新日"),
    "date_start": Words("Start date", "開始日"),
    "date_completion": Words("Completion date", "終了日"),
    "target_sample_size": Words("Target sample size", "目標参加者数"),
    "secondary_ids": Words("Secondary IDs", "その他の試験ID"),
    "conditions": Words("Conditions", "対象疾患"),
}

SEVERITY_WORDS: dict[str, Words] = {
    "high": Words("High", "高"),
    "medium": Words("Medium", "中"),
    "low": Words("Low", "低"),
}

# Alert events and delivery states as the `alerts` table shows them (the identifiers stay
# in JSON and in the webhooks' payloads).
EVENT_WORDS: dict[str, Words] = {
    "trial.changed": Words("trial changed", "試験の変更"),
    "consistency.changed": Words("registries disagree", "登録間の不一致"),
    "trial.fetch_failing": Words("checks failing", "確認の失敗"),
    "trial.recovered": Words("checks work again", "確認の回復"),
    "trial.overdue": Words("not checked in time", "確認の遅れ"),
    "trial.overdue_recovered": Words("checked again", "確認の再開"),
    "trial.registered": Words("new trial in a query", "クエリに一致する新規試験"),
    "registry.blocked": Words("registry blocks us", "登録サイトによる遮断"),
    "registry.unblocked": Words("registry answers again", "登録サイトの遮断解除"),
    "listing.failing": Words("daily listing unreadable", "日次一覧の読込失敗"),
    "listing.recovered": Words("daily listing read again", "日次一覧の回復"),
}
DELIVERY_WORDS: dict[str, Words] = {
    "pending": Words("waiting", "送信待ち"),
    "dead": Words("given up", "送信断念"),
    "delivered": Words("delivered", "送信済み"),
}

LANGUAGE_WORDS: dict[str, Words] = {
    "en": Words("English", "英語"),
    "ja": Words("Japanese", "日本語"),
}

# Fixed phrases. ``{name}`` is a value; ``{name:one|other}`` is a count followed by the
# singular or plural noun (English). Japanese has no plural forms: its templates put
# the counter word after the number themselves.
PHRASES: dict[str, Words] = {
    # counts
    "changes": Words("{count:change|changes}", "{count:,}件の変更"),
    "trials": Words("{count:trial|trials}", "{count:,}件の試験"),
    "changes_in_trials": Words("{changes:change|changes} in {trials:trial|trials}",
                               "{trials:,}件の試験で{changes:,}件の変更"),
    "more_changes": Words("(+{count:,} more)", "（他{count:,}件）"),
    "days": Words("{count:day|days}", "{count:,}日"),
    "unchanged_lines": Words("{count:unchanged line|unchanged lines}",
                             "変更のない{count:,}行"),
    # reports
    "report_title": Words("Trial changes since {since}", "{since}以降の臨床試験の変更"),
    "changes_since": Words("Changes since {since}: {changes:change|changes} in "
                           "{trials:trial|trials}",
                           "{since}以降の変更：{trials:,}件の試験で{changes:,}件"),
    "no_changes_since": Words("No changes or flags since {since}.",
                              "{since}以降、変更も注意事項もありません。"),
    "no_changes": Words("No changes or flags in this period.",
                        "この期間に変更も注意事項もありません。"),
    "generated_at": Words("Generated {at} UTC", "作成 {at}（UTC）"),
    "status_line": Words("{field}: {status}, last modified {date}",  # field: the registry's
                         "{field}：{status}、最終更新日：{date}"),
    "registry_page": Words("registry page", "登録ページ"),
    "status_over_time": Words("status over time", "進捗状況の推移"),
    "column_severity": Words("Severity", "重要度"),
    "column_field": Words("Field", "項目"),
    "column_old": Words("Old", "変更前"),
    "column_new": Words("New", "変更後"),
    "column_seen": Words("Seen", "検出"),
    "column_change": Words("Change", "変更"),
    "before": Words("Before", "変更前"),
    "after": Words("After", "変更後"),
    "full_text": Words("Full text, before and after", "変更前後の全文"),
    "empty_value": Words("(empty)", "（空欄）"),
    # flags
    "flag_failing": Words("checks failing: {count:,} in a row — {error}",
                          "確認の失敗が{count:,}回続いています — {error}"),
    "flag_disagrees": Words("disagrees with {other} on {field}: {values}",
                            "{other}と{field}が一致しません：{values}"),
    "flag_still_status": Words(
        "still {status} {days:day|days} after its completion date ({date})",
        "終了日（{date}）から{days:,}日経っても「{status}」のままです"),
    "flag_not_modified": Words(
        "not modified for {days:day|days} (since {date}) while not completed",
        "終了していないのに{days:,}日間（{date}以降）更新されていません"),
    # alerts
    "alert_changed": Words("changed", "変更あり"),
    "alert_failing": Words("checks failing ({count:,} in a row) — {error}",
                           "確認に失敗（{count:,}回連続） — {error}"),
    "alert_failed_checks": Words("The last {count:check|checks} failed:",
                                 "直近{count:,}回の確認に失敗しました："),
    "alert_recovered": Words("checks recovered", "確認が回復しました"),
    "alert_succeeding": Words("Checks succeed again.", "確認が再び成功しています。"),
    "alert_overdue": Words("not checked successfully since {since} — is the monitor stuck?",
                           "{since}以降、確認に成功していません — 監視が止まっていませんか？"),
    "alert_overdue_never": Words(
        "not checked successfully since it was added — is the monitor stuck?",
        "追加されてから一度も確認に成功していません — 監視が止まっていませんか？"),
    "alert_detected": Words("Detected {at} · delivery {delivery}", "検出 {at} · 配信 {delivery}"),
    "alert_test": Words("(test alert from ctr-monitor)", "（ctr-monitor からのテスト通知）"),
    # the command line
    "never": Words("never", "なし"),
    "next_with_daemon": Words("when the daemon runs", "デーモン実行時"),
    "checking": Words("checking {count:trial|trials}…", "{count:,}件の試験を確認しています…"),
    "check_failed": Words("failed: {error}", "失敗：{error}"),
    "check_deferred": Words("deferred: {error}", "延期：{error}"),
    "check_first_version": Words("first version stored ({summary})",
                                 "最初の版を保存しました（{summary}）"),
    "check_unchanged": Words("unchanged since version {version} ({summary})",
                             "第{version}版から変更なし（{summary}）"),
    "check_unchanged_listed": Words(
        "unchanged since version {version}, by the registry's daily listing ({summary})",
        "レジストリの日次一覧によると第{version}版から変更なし（{summary}）"),
    "check_changed": Words("CHANGED → version {version}", "変更あり → 第{version}版"),
    "no_changes_here": Words("(no changes)", "（変更なし）"),
    "diff_title": Words("{trial} ({registry}, {language}): version {old} → {new}, seen {seen} UTC",
                        "{trial}（{registry}、{language}）：第{old}版 → 第{new}版、"
                        "{seen} UTC に検出"),
    "diff_one_version": Words(
        "{trial} ({registry}, {language}): only one version so far (seen {seen} UTC): "
        "nothing to compare yet",
        "{trial}（{registry}、{language}）：まだ1つの版しかありません（{seen} UTC に検出）"),
    "health_ok": Words("ok", "正常"),
    "health_never_checked": Words("not checked yet", "未確認"),
    "health_failing": Words("{count:failed check|failed checks} in a row: {error}",
                            "確認の失敗が{count:,}回連続：{error}"),
    "health_overdue": Words("OVERDUE: no successful check since {since}",
                            "遅延：{since}以降確認に成功していません"),
    "health_paused": Words("waiting: {host} {kind} until {until}",
                           "待機中：{host}{kind}（{until}まで）"),
    "host_blocked": Words("refuses requests", "がアクセスを拒否しています"),
    "host_unreachable": Words("cannot be reached", "に接続できません"),
    "host_paused_line": Words("{host} {kind} ({reason}): requests paused until {until} UTC",
                              "{host}{kind}（{reason}）：{until}（UTC）までアクセスを停止"),
    "flag_paused": Words("{host} {kind}: checks wait until {until} UTC",
                         "{host}{kind}：{until}（UTC）まで確認を待機"),
    "pair_not_compared": Words("{other}: not compared yet", "{other}：未比較"),
    "pair_agrees": Words("agrees with {other}", "{other}と一致"),
    "pair_differs": Words("{other} differs: {fields}", "{other}と不一致：{fields}"),
    "pair_never_compared": Words("not compared yet (one side has no version)",
                                 "未比較（一方に版がありません）"),
    "pair_all_agree": Words("agree on status, sample size, last-modified date and titles",
                            "進捗状況・目標参加者数・最終更新日・試験名が一致"),
    "disagreements": Words("{count:disagreement|disagreements}", "{count:,}件の不一致"),
    "disagreement_opened": Words("now disagree", "不一致が発生"),
    "disagreement_resolved": Words("agree again", "不一致が解消"),
    "consistency_agree_again": Words("{a} and {b} agree again on {field}",
                                     "{a}と{b}の{field}が再び一致しています"),
    "since_date": Words("since {date}", "{date}から"),
    "col_trial": Words("trial", "試験"),
    "col_registry": Words("registry", "レジストリ"),
    "col_status": Words("status", "進捗状況"),
    "col_last_modified": Words("last modified", "最終更新"),
    "col_versions": Words("versions", "版"),
    "col_last_check": Words("last check", "最終確認"),
    "col_health": Words("health", "状態"),
    "col_consistency": Words("linked records", "関連する登録"),
    "compact_details": Words("modified {modified} · {versions:version|versions} · "
                             "checked {checked}",
                             "最終更新 {modified} · {versions:,}版 · 確認 {checked}"),
    "first_version": Words("first version", "最初の版"),
    "history_modified": Words("modified {date}", "最終更新 {date}"),
    "history_size": Words("size {size}", "目標 {size}"),
    "no_config_here": Words("(no config.toml in this folder: the defaults apply; give "
                            "--config PATH to use yours)",
                            "（このフォルダに config.toml がないため既定値を使っています："
                            "--config PATH で設定ファイルを指定してください）"),
    "no_watches": Words("no trials watched: add one with `ctr-monitor add UMIN000041461`, "
                        "or list it under [[watch]] in the config",
                        "監視中の試験はありません：`ctr-monitor add UMIN000041461` で追加するか、"
                        "設定ファイルの [[watch]] に書いてください"),
    "no_versions_yet": Words("{trial}: no versions yet; run `ctr-monitor check {trial}`",
                             "{trial}：まだ版がありません。`ctr-monitor check {trial}` を実行して"
                             "ください"),
    "no_links": Words("no linked records yet: a check follows the jRCT/UMIN IDs a trial lists "
                      "under its secondary IDs ([links] follow)",
                      "関連する登録はまだありません：確認のたびに、試験の他機関IDに載っている"
                      "jRCT/UMIN IDをたどります（[links] follow）"),
    "search_nothing": Words("no stored trial mentions {text!r}",
                            "「{text}」を含む保存済みの試験はありません"),
    "watched": Words("(watched)", "（監視中）"),
    "no_queries": Words("no [[query]] in the config", "設定ファイルに [[query]] がありません"),
    "query_line": Words("{name}: “{text}” — {count:match|matches} in the registry listing, "
                        "{announced:new trial|new trials} since the first reading",
                        "{name}：「{text}」— レジストリの一覧で{count:,}件、初回読込以降の新規"
                        "{announced:,}件"),
    "query_nothing": Words("no trial in the registry listings matches {name!r} (the listing "
                           "is read by `ctr-monitor check`)",
                           "登録一覧に「{name}」に合う試験はありません（一覧は `ctr-monitor check` "
                           "で読み込まれます）"),
    "registered_on": Words("registered {date}", "登録 {date}"),
    "new_match": Words("new in {registry}, matching query {query}: {trial} ({status}) {title}",
                       "{registry}の新規登録がクエリ「{query}」に一致：{trial}（{status}）{title}"),
    "feed_title": Words("ctr-monitor: clinical trial changes", "ctr-monitor：臨床試験の変更"),
    "delivery_summary": Words("alerts: {parts}", "通知：{parts}"),
    "delivery_delivered": Words("{count:,} delivered", "送信済み{count:,}件"),
    "delivery_failed": Words("{count:,} failed, will retry", "失敗{count:,}件（再試行します）"),
    "delivery_dead": Words("{count:,} given up (see `ctr-monitor alerts`)",
                           "断念{count:,}件（`ctr-monitor alerts` を参照）"),
    "alerts_revived": Words("revived {count:given-up alert|given-up alerts}; {summary}",
                            "送信断念の通知{count:,}件を再開しました。{summary}"),
    "no_channels": Words("no alert channels configured: add [[alerts.webhook]], "
                         "[alerts.email] or [[alerts.apprise]] to the config",
                         "通知先が設定されていません：設定ファイルに[[alerts.webhook]]、"
                         "[alerts.email]、[[alerts.apprise]]のいずれかを追加してください"),
    "no_alerts": Words("no alerts waiting or given up", "送信待ち・送信断念の通知はありません"),
    "col_alert_status": Words("status", "状態"),
    "col_alert_event": Words("event", "内容"),
    "col_alert_trial": Words("trial", "試験"),
    "col_alert_channel": Words("channel", "送信先"),
    "col_alert_attempts": Words("attempts", "試行"),
    "col_alert_queued": Words("queued", "発生日時"),
    "col_alert_next": Words("next try", "次回の試行"),
    "col_alert_error": Words("last error", "最後のエラー"),
    "listing_failed": Words("{registry}'s daily listing could not be read ({error}): "
                            "every page was fetched instead",
                            "{registry}の日次一覧を読めませんでした（{error}）：代わりに各ページを"
                            "取得しました"),
    "listing_not_read": Words("{registry} daily listing: not read yet",
                              "{registry}の日次一覧：まだ読み込んでいません"),
    "listing_line": Words("{registry} daily listing: read {checked} UTC, {rows:row|rows}",
                          "{registry}の日次一覧：{checked}（UTC）に確認、{rows:,}行"),
    "offline_hint": Words("no network here? try the offline demo: ctr-monitor --replay "
                          "cassettes/seed-v1 check",
                          "ネットワークがありませんか？オフラインのデモ：ctr-monitor --replay "
                          "cassettes/seed-v1 check"),
    "daemon_running": Words("daemon: running (pid {pid})", "デーモン：実行中（pid {pid}）"),
    "daemon_not_running": Words("daemon: not running", "デーモン：停止中"),
    "database_at": Words("database: {path}", "データベース：{path}"),
    "alert_backlog": Words("alerts: {pending:,} waiting, {dead:,} given up, {delivered:,} "
                           "delivered",
                           "通知：待機{pending:,}件、断念{dead:,}件、配信済み{delivered:,}件"),
    "status_checked": Words("last check {last}, last success {success}, next {next}",
                            "最終確認 {last}、最終成功 {success}、次回 {next}"),
    "alert_overdue_recovered": Words("checked successfully again", "再び確認に成功しました"),
    "alert_blocked": Words("{host} refuses our requests: paused until {until} UTC",
                           "{host}がアクセスを拒否しています：{until}（UTC）まで停止"),
    "alert_blocked_body": Words(
        "{host} refused our requests ({reason}). Every request to it is paused until "
        "{until} UTC, then one probe; checks of its trials wait meanwhile (they are not "
        "failures).",
        "{host}がアクセスを拒否しました（{reason}）。{until}（UTC）まで全てのアクセスを停止し、"
        "その後1回だけ確認します。その間、この登録の試験の確認は待機します（失敗ではありません）。"),
    "alert_unblocked": Words("{host} answers again: checks resumed",
                             "{host}が再び応答しています：確認を再開しました"),
    "alert_unblocked_body": Words("{host} answers our requests again.",
                                  "{host}が再びアクセスに応答しています。"),
    "alert_listing_failing": Words("{registry}'s daily listing cannot be read: checking "
                                   "pages instead",
                                   "{registry}の日次一覧を読めません：代わりに各ページを確認します"),
    "alert_listing_recovered": Words("{registry}'s daily listing is read again",
                                     "{registry}の日次一覧を再び読めるようになりました"),
    "alert_registered": Words("New trial for “{query}”: {trial} {title}",
                              "「{query}」に新しい試験：{trial} {title}"),
    "alert_registered_body": Words("Recruitment status: {status}. Registered {date}.",
                                   "進捗状況：{status}。登録日：{date}。"),
    # UMIN-CTR and jRCT records of one trial that disagree
    "consistency_field": Words("{field} (linked registries differ)", "{field}（登録間の不一致）"),
    "consistency_status": Words("{a} says {a_status}, {b} says {b_status}",
                                "{a}では「{a_status}」、{b}では「{b_status}」"),
    "consistency_sample_size": Words(
        "{a} plans {a_count:participant|participants}, {b} {b_count:,}",
        "目標参加者数は{a}で{a_count:,}人、{b}で{b_count:,}人"),
    "consistency_updated_later": Words(
        "{newer} was updated {days:day|days} after {older}: {older} may be out of date",
        "{newer}は{older}より{days:,}日後に更新されています：{older}の情報が古い可能性があります"),
    "consistency_titles": Words("the titles differ", "試験名が異なります"),
}


# --- lookups ----------------------------------------------------------------------------


def check_language(lang: str) -> str:
    """``lang`` as one of LANGUAGES (``ja-JP`` → ``ja``); LanguageError otherwise, so a
    config or command line naming another language fails at once, not mid-report."""
    if lang in LANGUAGES:  # nearly every call: a listing asks thousands of times
        return lang
    code = re.split(r"[-_.]", str(lang).strip(), maxsplit=1)[0].lower()
    if code not in LANGUAGES:
        raise LanguageError(f"language {lang!r} is not one ctr-monitor writes in: "
                            "use en (English) or ja (日本語)")
    return code


def registry_words(name: str | None) -> RegistryWords | None:
    """The words of registry ``name``; None for a registry without a words module."""
    if not name:
        return None
    return _load_words(name)


@functools.cache
def _load_words(name: str) -> RegistryWords | None:
    from monitor.registries import REGISTRY_TYPES  # registries import this module

    registry_type = REGISTRY_TYPES.get(name)
    if registry_type is None:
        return None
    package = registry_type.__module__
    module = f"{package}.words"
    if importlib.util.find_spec(module) is None:  # a registry without words of its own
        return None
    words = importlib.import_module(module).WORDS
    if not isinstance(words, RegistryWords) or words.name != name:
        raise TypeError(f"{module}.WORDS must be RegistryWords(name={name!r}, …)")
    return words


def registry_title(name: str, lang: str) -> str:
    """``umin`` → ``UMIN-CTR``; a registry without words by its own title."""
    lang = check_language(lang)
    words = registry_words(name)
    if words:
        return words.title.get(lang)
    from monitor.registries import REGISTRY_TYPES

    return str(getattr(REGISTRY_TYPES.get(name), "title", name))


def status_label(status: str | None, lang: str, registry: str | None = None) -> str:
    """A canonical status in words: the registry's own word where it has one
    (UMIN 募集終了 / No longer recruiting), the generic word otherwise; an unknown
    identifier as it is, an absent status as —."""
    lang = check_language(lang)
    if status is None:
        return ABSENT
    words = registry_words(registry)
    found = (words.statuses.get(status) if words else None) or STATUS_WORDS.get(status)
    return found.get(lang) if found else status


def event_label(event: str, lang: str) -> str:
    """An alert event in words; one without words as its identifier."""
    found = EVENT_WORDS.get(event)
    return found.get(check_language(lang)) if found else event


def delivery_label(status: str, lang: str) -> str:
    found = DELIVERY_WORDS.get(status)
    return found.get(check_language(lang)) if found else status


def severity_label(severity: str, lang: str) -> str:
    lang = check_language(lang)
    found = SEVERITY_WORDS.get(severity)
    return found.get(lang) if found else severity


def language_name(code: str, lang: str) -> str:
    """``ja`` → "Japanese" / "日本語"; an unknown code as it is."""
    lang = check_language(lang)
    found = LANGUAGE_WORDS.get(str(code).lower())
    return found.get(lang) if found else code


def phrase(key: str, lang: str, **values: Any) -> str:
    """The fixed phrase ``key`` in ``lang`` with ``values`` filled in (plain text: the
    caller escapes it for HTML or Markdown like any other text).

    >>> phrase("changes", "en", count=1), phrase("changes", "en", count=3)
    ('1 change', '3 changes')
    >>> phrase("changes", "ja", count=3)
    '3件の変更'
    """
    if not values:  # fixed words ("ok", a column's name): asked thousands of times
        return _fixed_phrase(key, check_language(lang))
    lang = check_language(lang)
    return _FORMATTER.format(PHRASES[key].get(lang), **values)


@functools.cache
def _fixed_phrase(key: str, lang: str) -> str:
    return _FORMATTER.format(PHRASES[key].get(lang))


class _PhraseFormatter(string.Formatter):
    """``str.format`` plus one spec: ``{n:one|other}`` → "1 change" / "2 changes"."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, other = format_spec.split("|", 1)
            return f"{value:,} {one if value == 1 else other}"
        return super().format_field(value, format_spec)


_FORMATTER = _PhraseFormatter()


# --- field labels -----------------------------------------------------------------------


def field_label(field_path: str, lang: str, registry: str | None = None) -> str:
    """A change's field in words.

    Canonical fields (``target_sample_size`` → "Target sample size" / "目標参加者数",
    with the registry's own word where it has one), consistency fields
    (``consistency.status``), and raw fields ``fields.<section>.<label>`` as
    "Section › Label", each part translated where the registry's words know it and
    kept as the registry wrote it where they do not. Anything else is returned as is.
    """
    lang = check_language(lang)
    return _field_label(field_path, lang, registry)


@functools.lru_cache(maxsize=4096)  # reports name the same few hundred fields again and again
def _field_label(field_path: str, lang: str, registry: str | None) -> str:
    words = registry_words(registry)
    if field_path.startswith("fields."):
        section, label = split_field_path(field_path, registry)
        return raw_field_label(section, label, lang, registry)
    if field_path.startswith("consistency."):
        inner = _field_label(field_path.removeprefix("consistency."), lang, None)
        return phrase("consistency_field", lang, field=inner)
    found = (words.fields.get(field_path) if words else None) or FIELD_WORDS.get(field_path)
    return found.get(lang) if found else field_path


def split_field_path(field_path: str, registry: str | None = None) -> tuple[str, str]:
    """``fields.<section>.<label>`` → (section, label).

    Both parts may hold dots (``No. of arms``), so a section the registry's words know
    is matched first; otherwise the first dot that is followed by text and is not
    inside a number or before a space is taken as the separator.
    """
    rest = field_path.removeprefix("fields.")
    index = _index(registry)
    for name in index.section_names:
        if rest.startswith(name + ".") and len(rest) > len(name) + 1:
            return name, rest[len(name) + 1:]
    for match in re.finditer(r"\.", rest):
        at = match.start()
        after = rest[at + 1: at + 2]
        before = rest[at - 1: at]
        if not after or after.isspace() or (before.isdigit() and after.isdigit()):
            continue
        return rest[:at], rest[at + 1:]
    return "", rest


def raw_field_label(section: str, label: str, lang: str, registry: str | None = None) -> str:
    """A raw field as "Section › Label", from its parts (exact: no dot guessing)."""
    lang = check_language(lang)
    index = _index(registry)
    parts: list[str] = []
    known_section: _SectionIndex | None = None
    for part in (p for p in section.split(" / ") if p.strip()):
        part = index.unnumbered(part)
        known_section = index.sections.get(_key(part))
        shown = known_section.words.get(lang) if known_section else part
        if not parts or parts[-1] != shown:  # "管理的事項 / 管理的事項" reads once
            parts.append(shown)
    for part in (p for p in label.split(" > ") if p.strip()):
        parts.append(index.label(index.unnumbered(part), lang, known_section))
    return PATH_SEPARATOR.join(parts)


def _key(text: str) -> str:
    """Text as matched: NFKC, case-folded, whitespace collapsed (``Public contact `` and
    ``Public contact`` are one section)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_NUMBERING = re.compile(
    r"^[\s\u3000]*(?:[(（][0-9０-９]+[)）]|[0-9０-９]+(?:[-－.．][0-9０-９]+)*"
    r"(?:[.．、)）]|(?=[\s\u3000])))[\s\u3000]*")


@dataclass
class _SectionIndex:
    words: Words
    labels: dict[str, list[Words]]


class _Index:
    """A registry's words arranged for lookup by any of their spellings."""

    def __init__(self, words: RegistryWords | None) -> None:
        self.numbered = bool(words and words.numbered_headings)
        self.sections: dict[str, _SectionIndex] = {}
        self.labels: dict[str, list[Words]] = {}
        names: set[str] = set()
        for raw, section in (words.sections.items() if words else ()):
            entry = _SectionIndex(section.words, {})
            for label_raw, label_words in section.labels.items():
                _add(entry.labels, (label_raw, *label_words), label_words)
                _add(self.labels, (label_raw, *label_words), label_words)
            for name in (raw, *section.aliases, *section.words):
                self.sections[_key(name)] = entry
                names.add(name)
        for label_raw, label_words in (words.labels.items() if words else ()):
            _add(self.labels, (label_raw, *label_words), label_words)
        self.section_names = sorted(names, key=len, reverse=True)

    def unnumbered(self, text: str) -> str:
        text = text.strip()
        if not self.numbered:
            return text
        while (match := _NUMBERING.match(text)) and match.end() < len(text):
            text = text[match.end():]
        return text

    def label(self, text: str, lang: str, section: _SectionIndex | None) -> str:
        """The label in ``lang``: from its section's words first, then from the
        registry's; kept as written where unknown or where its words disagree."""
        candidates = [text]
        ja, sep, en = text.partition("/")  # a bilingual "選択基準/Key inclusion criteria"
        if sep and ja.strip() and en.strip():
            candidates += [ja, en]
        for table in ((section.labels if section else {}), self.labels):
            for candidate in candidates:
                found = {words.get(lang) for words in table.get(_key(candidate), ())}
                if len(found) == 1:
                    return found.pop()
                if found:
                    return text
        return text


def _add(table: dict[str, list[Words]], names: tuple[str, ...], words: Words) -> None:
    for name in {_key(n) for n in names if n}:
        entries = table.setdefault(name, [])
        if words not in entries:
            entries.append(words)


@functools.cache
def _index(registry: str | None) -> _Index:
    return _Index(registry_words(registry))
