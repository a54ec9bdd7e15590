"""Readable text diffs: changed lines with context, changed words in escaped HTML (English
and Japanese), passages, and registry text made inert in Markdown."""

from __future__ import annotations

import html
import random
import re
import time

import pytest

from monitor.diff.text import (
    DiffLine,
    format_markdown,
    format_text,
    html_passage,
    html_word_diff,
    line_changes,
    markdown_escape,
)

ELIGIBILITY = [
    "1. Patients aged 20 years or older",
    "2. Decompensated liver cirrhosis (Child-Pugh class B or C)",
    "3. Total bilirubin 3.0 mg/dL or less",
    "4. Serum albumin 3.5 g/dL or less",
    "5. Platelet count 50,000/uL or more",
    "6. ECOG performance status 0-2",
    "7. No history of malignancy within 5 years",
    "8. Able to visit the hospital regularly",
    "9. Written informed consent",
]


def _tags(markup: str) -> set[str]:
    return {tag.lower() for tag in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", markup)}


def _text_of(markup: str) -> str:
    """What a browser shows of escaped diff HTML, line breaks as \\n."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup.replace("<br>", "\n")))


def _marked(markup: str, tag: str) -> list[str]:
    return [html.unescape(part) for part in re.findall(rf"<{tag}>(.*?)</{tag}>", markup)]


# --- lines --------------------------------------------------------------------------------


def test_one_changed_line_of_nine_shows_that_line_with_one_line_around_it():
    old = "\n".join(ELIGIBILITY)
    new = old.replace("3.5 g/dL or less", "3.0 g/dL or less")
    lines = line_changes(old, new)
    assert [(line.kind, line.text, line.count) for line in lines] == [
        ("skipped", "", 2),
        ("same", ELIGIBILITY[2], 0),
        ("removed", "4. Serum albumin 3.5 g/dL or less", 0),
        ("added", "4. Serum albumin 3.0 g/dL or less", 0),
        ("same", ELIGIBILITY[4], 0),
        ("skipped", "", 4),
    ]
    removed, added = lines[2], lines[3]
    assert (removed.old_number, added.new_number) == (4, 4)
    assert [text for changed, text in removed.parts if changed] == ["3.5"]
    assert [text for changed, text in added.parts if changed] == ["3.0"]
    assert "".join(text for _, text in added.parts) == added.text
    assert format_text(lines) == "\n".join([
        "  … 2 unchanged lines",
        f"  {ELIGIBILITY[2]}",
        "- 4. Serum albumin 3.5 g/dL or less",
        "+ 4. Serum albumin 3.0 g/dL or less",
        f"  {ELIGIBILITY[4]}",
        "  … 4 unchanged lines",
    ])
    assert "変更のない4行" in format_text(lines, "ja")


def test_context_size_and_changes_at_the_edges():
    old = "\n".join(ELIGIBILITY)
    first = old.replace("aged 20", "aged 18")
    assert [line.kind for line in line_changes(old, first, context=2)] == \
        ["removed", "added", "same", "same", "skipped"]
    assert [line.kind for line in line_changes(old, first, context=0)] == \
        ["removed", "added", "skipped"]
    # A run of one unchanged line is shown: "…" would take the same room.
    both = first.replace("consent", "consent of the patient").replace("regularly", "weekly")
    kinds = [line.kind for line in line_changes(old, both, context=1)]
    assert kinds == ["removed", "added", "same", "skipped", "same", "removed", "added",
                     "removed", "added"]


def test_added_and_removed_lines_are_numbered_in_their_own_text():
    old = "\n".join(ELIGIBILITY[:3])
    new = "\n".join([ELIGIBILITY[0], "1a. Men and women", *ELIGIBILITY[1:2]])
    lines = line_changes(old, new, context=5)
    assert [(line.kind, line.old_number, line.new_number) for line in lines] == [
        ("same", 1, 1), ("added", None, 2), ("same", 2, 3), ("removed", 3, None)]
    assert lines[1].parts == ()  # nothing it replaced


def test_identical_text_has_no_changes_and_empty_text_is_all_added():
    assert line_changes("same\ntext", "same\ntext") == []
    assert [(line.kind, line.text) for line in line_changes("", "a\nb")] == \
        [("added", "a"), ("added", "b")]


def test_a_one_line_value_is_a_word_level_pair():
    lines = line_changes("Open public recruiting", "No longer recruiting")
    assert [line.kind for line in lines] == ["removed", "added"]
    assert lines[0].parts == ((True, "Open public"), (False, " recruiting"))
    assert lines[1].parts == ((True, "No longer"), (False, " recruiting"))


def test_markdown_diff_block_cannot_be_closed_by_the_text():
    markdown_it = pytest.importorskip("markdown_it")
    old = "text\n```\n# not a heading\n[x](javascript:alert(1))"
    new = old.replace("text", "texts") + "\n````"
    block = format_markdown(line_changes(old, new, context=9))
    rendered = markdown_it.MarkdownIt("commonmark").render(block)
    assert rendered.count("<pre>") == 1 and rendered.count("<code") == 1
    assert _tags(rendered) == {"pre", "code"}
    assert rendered.startswith('<pre><code class="language-diff">')


# --- word diffs in HTML -------------------------------------------------------------------


def test_english_word_diff_marks_only_the_changed_words():
    old, new = html_word_diff("Patients aged 20 years or older with cirrhosis",
                              "Patients aged 18 years or older with decompensated cirrhosis")
    assert _marked(old, "del") == ["20"]
    assert _marked(new, "ins") == ["18", "decompensated "]
    assert "<ins>" not in old and "<del>" not in new


def test_japanese_word_diff_marks_words_without_spaces():
    old, new = html_word_diff("20歳以上の成人患者を対象とする", "18歳以上の小児患者を対象とした")
    assert _marked(old, "del") == ["20", "成人", "する"]
    assert _marked(new, "ins") == ["18", "小児", "した"]
    old, new = html_word_diff("非代償性肝硬変患者を対象とした自己骨髄間葉系幹細胞の有効性",
                              "非代償性肝硬変患者を対象とした他家骨髄間葉系幹細胞の有効性")
    assert (_marked(old, "del"), _marked(new, "ins")) == (["自己"], ["他家"])
    old, new = html_word_diff("ステロイドを投与する", "インターフェロンを投与する")
    assert (_marked(old, "del"), _marked(new, "ins")) == (["ステロイド"], ["インターフェロン"])


def test_changes_separated_by_a_space_read_as_one():
    old, new = html_word_diff("take one tablet daily", "take two capsules daily")
    assert _marked(old, "del") == ["one tablet"]
    assert _marked(new, "ins") == ["two capsules"]


def test_word_diff_escapes_everything_and_loses_nothing():
    nasty_old = 'A <script>alert("x")</script> & <b onclick=\'y\'>bold</b>\nline two'
    nasty_new = 'A <script>alert("z")</script> & <img src=x onerror=y>\nline 2'
    old, new = html_word_diff(nasty_old, nasty_new)
    for side in (old, new):
        assert _tags(side) <= {"del", "ins", "br"}
        assert '"' not in side and "'" not in side
    assert _text_of(old) == nasty_old and _text_of(new) == nasty_new


def test_word_diff_is_lossless_on_random_mixed_text():
    rng = random.Random(7)
    words = ["患者", "を", "対象", "Child-Pugh", "20歳", "　", " ", "\n", "<", "&amp;",
             "ステロイド", "mg/dL", "é", "β", "🙂", "。", "、", "1.5", "A", "の"]
    for _ in range(200):
        a = "".join(rng.choice(words) for _ in range(rng.randrange(30)))
        b = "".join(rng.choice(words) for _ in range(rng.randrange(30)))
        old, new = html_word_diff(a, b)
        assert (_text_of(old), _text_of(new)) == (a.replace("\r", ""), b.replace("\r", ""))
        if a == b:
            assert "<del>" not in old and "<ins>" not in new


def _long_field(seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    vocabulary = ["patients", "with", "cirrhosis", "aged", "years", "or", "older", "the",
                  "study", "of", "and", "in", "bone", "marrow", "cells", "week", "score"]
    words = [rng.choice(vocabulary) for _ in range(6000)]
    edited = list(words)
    for at in range(75, 6000, 150):
        edited[at] = "revised"
    return " ".join(words), " ".join(edited)


def test_a_six_thousand_word_field_diffs_quickly():
    old, new = _long_field(1)
    start = time.perf_counter()
    old_html, new_html = html_word_diff(old, new)
    elapsed = time.perf_counter() - start
    assert len(_marked(new_html, "ins")) == 40
    # Target 100 ms (benchmarks/text_diff.py); the margin keeps slow CI green while still
    # failing the quadratic approach this replaces (seconds).
    assert elapsed < 1.0, elapsed


# --- passages -----------------------------------------------------------------------------


def test_a_passage_shows_the_change_in_context_and_the_full_text_on_demand():
    old, new = _long_field(2)
    words = old.split(" ")
    words[2998:3001] = ["<b>bold</b>", "and", "ALPHA"]
    old = " ".join(words)
    new = old.replace("ALPHA", "<i>new & improved</i>")
    passage = html_passage(old, new, context_chars=60)
    shown, _, details = passage.partition("<details")
    assert shown.startswith('<p class="diff-passage">…')
    assert shown.endswith("…</p>")
    assert "&lt;b&gt;bold&lt;/b&gt; and <del>ALPHA</del><ins>&lt;i&gt;new &amp; improved" \
        "&lt;/i&gt;</ins>" in shown
    assert len(_text_of(shown)) < 200
    assert "<summary>Full text, before and after</summary>" in details
    full_old, full_new = re.findall(r'<p class="diff-(?:old|new)">(.*?)</p>', details)
    assert _text_of(full_old) == "Before\n" + old
    assert _text_of(full_new) == "After\n" + new
    assert _tags(passage) <= {"p", "del", "ins", "br", "details", "summary", "strong"}


def test_distant_changes_are_separate_passages_and_short_text_is_shown_whole():
    old = " ".join(f"w{i}" for i in range(300))
    new = old.replace("w10 ", "x10 ").replace("w290", "x290")
    shown = html_passage(old, new, context_chars=30).partition("<details")[0]
    assert " … " in shown
    assert "w150" not in shown
    short = html_passage("Open public recruiting", "No longer recruiting")
    assert "<details" not in short and "…" not in short
    assert _text_of(short) == "Open publicNo longer recruiting"


def test_a_japanese_passage_cuts_without_spaces():
    sentence = ("本試験は非代償性肝硬変患者を対象とした"
                "自己骨髄間葉系幹細胞の有効性及び安全性を評価する。")
    old = sentence * 20
    new = old[: len(old) // 2] + "追加の説明。" + old[len(old) // 2:]
    passage = html_passage(old, new, context_chars=40, lang="ja")
    shown = passage.partition("<details")[0]
    assert _marked(shown, "ins") == ["追加の説明。"]
    assert len(_text_of(shown)) < 100
    assert "<summary>変更前後の全文</summary>" in passage


# --- Markdown -----------------------------------------------------------------------------

INJECTIONS = [
    "[click me](javascript:alert(4))",
    "![x](http://example.com/track.png)",
    "<https://example.com/phish>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "*emphasis* and _more_ and **strong** and ~~gone~~",
    "`code` and ``more``",
    "[ref]: http://example.com/ref",
    "# heading\n## another\n> quote\n- item\n+ item\n1. numbered\n2) numbered",
    "setext\n===\nrule\n---\n***",
    "    indented code",
    "&lt;script&gt; and &#60;b&#62;",
    "back\\slash\\\nbreak",
    "~~~\nfenced\n~~~",
]


def _render_all(markdown: str) -> list[str]:
    rendered = []
    markdown_it = pytest.importorskip("markdown_it")
    engine = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    rendered.append(engine.render(markdown))
    try:
        import markdown as python_markdown
    except ImportError:  # pragma: no cover - optional second renderer
        return rendered
    rendered.append(python_markdown.markdown(markdown, extensions=["tables"]))
    return rendered


@pytest.mark.parametrize("text", INJECTIONS)
def test_markdown_escape_makes_registry_text_inert(text: str):
    escaped = markdown_escape(text)
    for rendered in _render_all(escaped):
        assert _tags(rendered) <= {"p", "br", "code"}, rendered  # addresses as code: inert
        shown = _text_of(rendered).strip()
        expected = "\n".join(line.strip(" \t") for line in text.split("\n"))
        assert shown == expected


def test_markdown_escape_keeps_a_table_row_whole():
    cell = markdown_escape("a | b\nsecond line with [link](http://x) | c")
    table = f"| Field | Value |\n|---|---|\n| criteria | {cell} |\n"
    for rendered in _render_all(table):
        assert rendered.count("<td") == 2, rendered
        assert "<a" not in rendered


def test_markdown_escape_stays_readable():
    assert markdown_escape("Patients aged 20 or older") == "Patients aged 20 or older"
    assert markdown_escape("非代償性肝硬変（Child-Pugh B）") == "非代償性肝硬変（Child-Pugh B）"
    assert markdown_escape("one\ntwo", line_break="\n") == "one\ntwo"


def test_diff_line_markers():
    assert [DiffLine(kind).marker for kind in ("same", "removed", "added", "skipped")] == \
        [" ", "-", "+", " "]
