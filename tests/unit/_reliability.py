"""Session-wide counters of the reliability tests (issue #9), reported at the end of the run.

Tests call :func:`record`; ``tests/conftest.py`` prints :func:`summary` in pytest's terminal summary
and writes :data:`COUNTS` as JSON to ``$TOKMEM_RELIABILITY_REPORT`` when that variable is set.
"""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
"""fuzz_cases, tracebacks, bad_exits, dirty_banks, kill9_trials, kill9_banks_lost, ..."""


def record(key: str, n: int = 1) -> None:
    """Add ``n`` to counter ``key``."""
    COUNTS[key] += n


def summary() -> str:
    """One line: the headline numbers of the acceptance note, then every other counter."""
    c = COUNTS
    head = (
        f"{c['fuzz_cases']} fuzz cases ({c['tracebacks']} tracebacks, {c['bad_exits']} wrong exit codes, "
        f"{c['dirty_banks']} banks changed); "
        f"{c['kill9_trials']} kill-9 trials ({c['kill9_banks_lost']} banks lost); "
        f"{c['concurrent_trials']} concurrent-writer trials ({c['concurrent_tools_lost']} tools lost)"
    )
    shown = {"fuzz_cases", "tracebacks", "bad_exits", "dirty_banks", "kill9_trials", "kill9_banks_lost",
             "concurrent_trials", "concurrent_tools_lost"}
    rest = ", ".join(f"{k}={v}" for k, v in sorted(c.items()) if k not in shown)
    return head + (f"; {rest}" if rest else "")
