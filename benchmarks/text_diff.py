"""Section ``diff``: word diffs of long fields, ``html_word_diff`` against the word diff
the HTML report used before it (``baseline.old_word_diff``).

    python benchmarks/text_diff.py [--quick]

A 6,000-word field (English, and Japanese of the same length in tokens) with edits
scattered through it, as when a registrant revises an eligibility or results text.
The old function is quadratic, so it runs once; the new one runs many times and its
median is compared with the target (≤ 100 ms). ``bench_text_diff(quick, figures)`` is
the entry point for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import functools
import html
import random
import re
import sys
import time

import paths  # noqa: F401
from baseline import old_word_diff
from figures import Figures, median_ms

from monitor.diff.text import html_word_diff, line_changes

TARGET_MS = 100.0
WORDS = 6000
EDITS = 40

_ENGLISH = ("patients", "with", "decompensated", "liver", "cirrhosis", "aged", "years",
            "or", "older", "who", "have", "given", "written", "informed", "consent", "the",
            "study", "treatment", "of", "and", "in", "a", "bone", "marrow", "cells",
            "infusion", "week", "after", "baseline", "score", "Child-Pugh", "class", "B",
            "excluded", "if", "history", "malignancy", "within", "5", "20", "2.0", "mg/dL")
_JAPANESE = ("非代償性", "肝硬変", "患者", "を", "対象", "と", "した", "自己", "骨髄",
             "間葉系", "幹細胞", "の", "有効性", "及び", "安全性", "を", "評価", "する",
             "20歳以上", "同意", "が", "得られた", "者", "。", "、", "投与", "後", "週",
             "Child-Pugh", "分類", "B", "除外", "既往", "悪性腫瘍", "5年以内", "に")


def make_field(words: tuple[str, ...], joiner: str, seed: int) -> tuple[str, str]:
    """A ``WORDS``-word text and a copy with ``EDITS`` scattered word edits (replaced,
    inserted or deleted), with a line break every 40 words like a numbered list."""
    rng = random.Random(seed)
    old = [rng.choice(words) for _ in range(WORDS)]
    new = list(old)
    for n in range(EDITS):
        at = (n * WORDS) // EDITS + rng.randrange(WORDS // EDITS // 2)
        kind = n % 3
        if kind == 0:
            new[at] = "revised"
        elif kind == 1:
            new.insert(at, "additionally")
        else:
            del new[at]

    def text(tokens: list[str]) -> str:
        lines = [joiner.join(tokens[i:i + 40]) for i in range(0, len(tokens), 40)]
        return "\n".join(lines)

    return text(old), text(new)


def marked(escaped: str) -> float:
    """Share of a diff side's text inside <del>: how precisely the edits are shown."""
    text = html.unescape(re.sub(r"<[^>]+>", "", escaped))
    inside = "".join(re.findall(r"<del>(.*?)</del>", escaped, re.DOTALL))
    return len(html.unescape(re.sub(r"<[^>]+>", "", inside))) / max(1, len(text))


def bench_text_diff(quick: bool, figures: Figures) -> None:
    runs = 5 if quick else 20
    figures.start("diff", f"the HTML word diff of a {WORDS:,}-word field, {EDITS} scattered "
                          f"edits, median of {runs} runs")
    report = figures
    for language, words, joiner in (("English", _ENGLISH, " "), ("Japanese", _JAPANESE, "")):
        old, new = make_field(words, joiner, seed=len(language))
        ours = median_ms(functools.partial(html_word_diff, old, new), runs, warm=1)
        lines = median_ms(functools.partial(line_changes, old, new), runs, warm=1)
        start = time.perf_counter()
        their_html = old_word_diff(old, new)
        theirs = (time.perf_counter() - start) * 1000
        report(f"{language}: html_word_diff (ms)", f"{ours:.1f}", f"<= {TARGET_MS:.0f} ms",
               ours <= TARGET_MS)
        report(f"{language}: line_changes (ms)", f"{lines:.1f}", f"<= {TARGET_MS:.0f} ms",
               lines <= TARGET_MS)
        report(f"{language}: old word diff, one run (ms)", f"{theirs:.0f}",
               f"(new is {theirs / ours:.0f}x faster)")
        report(f"{language}: old text marked deleted, new / old",
               f"{marked(html_word_diff(old, new)[0]):.1%} / {marked(their_html[0]):.1%}",
               "(the edits touch ~1%)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    figures = Figures()
    bench_text_diff(parser.parse_args().quick, figures)
    print(figures.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
