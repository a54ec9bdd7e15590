"""How the fetcher treats registry hosts, as the config states it: kept apart from the
client so that reading a config does not load the HTTP library."""

from __future__ import annotations

from dataclasses import dataclass

from monitor import __version__

DEFAULT_USER_AGENT = (
    f"ctr-monitor/{__version__} (clinical-trial registry change monitor; "
    "+https://pypi.org/project/ctr-monitor/)"
)

# 1 MiB: three times the largest real registry page (~300 KB). With the markup guard,
# the worst page accepted at this size peaks at 90 MB parsed by either registry parser
# (benchmarks/page_cap_memory.py); without the guard, 64 KB of crafted markup took 3.3 GB.
DEFAULT_MAX_PAGE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0  # each connect, read or write
    deadline: float = 90.0  # a whole call: connect, redirects, body, retries, their waits
    min_interval: float = 5.0  # between request starts to one host (unless set per host)
    max_retries: int = 3
    backoff: float = 2.0  # first retry waits about this long, doubling each time
    max_wait: float = 60.0  # longest Retry-After we sit through; longer is a block
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES  # decoded bytes of one page
    block_cooldown: float = 900.0  # pause of a host that blocked us (doubles on repeats)
    unreachable_cooldown: float = 300.0  # pause of a host we could not reach
    max_cooldown: float = 86400.0  # the doubling stops here
