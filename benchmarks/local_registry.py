"""The benchmarks' handle on a registry stand-in (``registry_server.py``) running in a
process of its own: its URL, the requests it served, and the trials it changes."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterable

from paths import BENCHMARKS

CSV_PATH = "/ctr_csv/ctr_data_j.csv.gz"


class LocalRegistry:
    """``with LocalRegistry(trials=5000) as registry:`` … ``registry.base_url``."""

    def __init__(self, trials: int) -> None:
        self.trials = trials
        self.base_url = ""
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LocalRegistry:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCHMARKS / "registry_server.py"), "--trials",
             str(self.trials)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.__exit__()
            raise RuntimeError("the registry stand-in did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def csv_url(self) -> str:
        return self.base_url + CSV_PATH

    def _call(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=60) as answer:
            return bytes(answer.read())

    def stats(self) -> dict[str, int]:
        """Requests served since the last reset, by kind: ``umin_page``, ``jrct_page``,
        ``csv_200``, ``csv_304``, ``other``."""
        return {str(k): int(v) for k, v in json.loads(self._call("GET", "/_stats")).items()}

    def requests(self) -> int:
        return sum(self.stats().values())

    def reset(self) -> None:
        self._call("POST", "/_reset")

    def change(self, trials: Iterable[int]) -> None:
        """Those trials move to their second version; the CSV is republished."""
        self._call("POST", "/_change?trials=" + ",".join(str(n) for n in trials))
