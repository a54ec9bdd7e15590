"""Where things are: the repository, its cassettes, and the tests' data generators (the
synthetic UMIN-CTR CSV lives in ``tests/csvdata.py`` and is shared with the tests)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
CASSETTES = ROOT / "cassettes"

for folder in (ROOT, ROOT / "tests", BENCHMARKS):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
