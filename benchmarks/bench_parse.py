"""Section ``parse``: reading one registry page, against what a user would write instead.

For the UMIN-CTR and jRCT cassette pages: ctr-monitor's parse + normalize, the
BeautifulSoup+lxml walk (the target: at least 10x faster), the same walk over lxml.html
(the fastest straightforward peer), and the tree-building floors — lexbor's parse alone
(the library ctr-monitor uses) and lxml's — so that the part of our time that is our own
code shows. All are timed in alternating blocks. Then a check's whole page work:
derive (parse, normalize, content hash) and the diff against the previous version.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from figures import Figures, interleaved_ms, median_ms
from paths import CASSETTES

from monitor.check.derive import derive
from monitor.diff.policy import DiffPolicy
from monitor.registries import Registry, build_registries

PAGES = {  # registry → (language, cassette page)
    "umin": ("en", CASSETTES / "umin-R000047329-v1" / "view-en.html"),
    "jrct": ("ja", CASSETTES / "jrct-jRCT2063200014-v1" / "latest-detail-ja.html"),
}
UMIN_V2 = CASSETTES / "umin-R000047329-v2" / "view-en.html"
SPEED_UP_TARGET = 10.0
DERIVE_DIFF_TARGET_MS = 3.0


def bench_parse(quick: bool, figures: Figures) -> None:
    import baseline

    runs = 100 if quick else 400
    figures.start("parse", f"one page, median of {runs} runs per contender, "
                           "timed in alternating blocks")
    registries = build_registries()
    walks = {"umin": (baseline.parse_umin, baseline.lxml_umin),
             "jrct": (baseline.parse_jrct, baseline.lxml_jrct)}
    for name, (language, path) in PAGES.items():
        registry = registries[name]
        text = path.read_text(encoding="utf-8")
        soup_walk, lxml_walk = walks[name]
        if soup_walk(text) != lxml_walk(text):
            raise AssertionError(f"the two {name} baseline walks read {path.name} differently")
        contenders: dict[str, Callable[[], object]] = {
            "ours": partial(_ours, registry, text, language),
            "soup": partial(soup_walk, text),
            "lxml": partial(lxml_walk, text),
            "lexbor_tree": partial(baseline.lexbor_tree, text),
            "lxml_tree": partial(baseline.lxml_tree, text),
        }
        ms = interleaved_ms(contenders, runs)
        title = registry.title
        figures.note(f"{title} page {path.parent.name}/{path.name}, {len(text):,} characters; "
                     f"the baseline walks extract {_field_count(soup_walk(text))} fields, "
                     f"ours {len(registry.parse_page(text, language).fields)}")
        figures(f"{title}: ctr-monitor parse + normalize (ms)", f"{ms['ours']:.2f}")
        figures(f"{title}: BeautifulSoup+lxml walk (ms)", f"{ms['soup']:.2f}")
        figures(f"{title}: speed-up over BeautifulSoup+lxml", f"{ms['soup'] / ms['ours']:.1f}x",
                f">= {SPEED_UP_TARGET:.0f}x", ms["soup"] / ms["ours"] >= SPEED_UP_TARGET)
        figures(f"{title}: lxml.html walk (ms)", f"{ms['lxml']:.2f}")
        figures(f"{title}: speed-up over the lxml.html walk", f"{ms['lxml'] / ms['ours']:.2f}x")
        figures(f"{title}: floor, lexbor tree build alone (ms)", f"{ms['lexbor_tree']:.2f}")
        figures(f"{title}: floor, lxml tree build alone (ms)", f"{ms['lxml_tree']:.2f}")
        figures(f"{title}: our time above the lexbor floor (ms)",
                f"{ms['ours'] - ms['lexbor_tree']:.2f}",
                f"({ms['ours'] / ms['lexbor_tree']:.1f}x the floor)")

    umin = registries["umin"]
    policy = DiffPolicy((), {name: registry.rules for name, registry in registries.items()})
    old_text = PAGES["umin"][1].read_text(encoding="utf-8")
    new_text = UMIN_V2.read_text(encoding="utf-8")
    old = derive(umin, old_text, "en", "u").record
    changes = policy.diff(old, derive(umin, new_text, "en", "u").record)
    assert changes, "the v2 page should differ from v1"
    whole = median_ms(lambda: policy.diff(old, derive(umin, new_text, "en", "u").record), runs)
    figures("UMIN-CTR: derive (parse, normalize, hash) + diff (ms)", f"{whole:.2f}",
            f"<= {DERIVE_DIFF_TARGET_MS:.0f} ms", whole <= DERIVE_DIFF_TARGET_MS)


def _ours(registry: Registry, text: str, language: str) -> object:
    return registry.normalize(registry.parse_page(text, language), "u")


def _field_count(parsed: dict) -> int:
    return sum(len(labels) for labels in parsed["fields"].values())
