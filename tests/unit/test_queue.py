"""The decode queue: concurrent callers share one batched decode, each keeps its own results and its
own failure, a caller arriving mid-decode is served by the next decode, and the lock is re-entrant."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tokmem_agents.bank.records import ToolCall
from tokmem_agents.config import DecodeConfig
from tokmem_agents.decode.queue import DecodeQueue
from tokmem_agents.decode.results import CallEvent, DecodeResult

CFG = DecodeConfig()


class FakeRun:
    """Stands in for the decoder: a result per query (a call named after it), records every decode."""

    def __init__(self, fail_on: str | None = None, gate: threading.Event | None = None) -> None:
        self.calls: list[tuple[list[str], DecodeConfig]] = []
        self.fail_on, self.gate = fail_on, gate

    def __call__(self, queries: list[str], config: DecodeConfig, prompts: Any) -> Any:
        self.calls.append((list(queries), config))
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail_on in queries:
            raise ValueError(f"cannot decode {self.fail_on!r}")
        for i, q in enumerate(queries):
            call = ToolCall("echo", {"q": q})
            yield DecodeResult.from_events(q, [CallEvent(i, 0, "echo", call, None, False)], prompt_tokens=1)


def _together(queue: DecodeQueue, jobs: list[tuple[list[str], DecodeConfig]]) -> list[Any]:
    """Submit every job from its own thread at once; each job's results or exception."""
    out: list[Any] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def work(k: int) -> None:
        start.wait()
        try:
            out[k] = queue.decode(*jobs[k])
        except Exception as e:  # noqa: BLE001 - the test looks at it
            out[k] = e

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return out


def test_concurrent_callers_share_one_decode_and_get_their_own_results() -> None:
    run = FakeRun()
    queue = DecodeQueue(run, gather=0.05)
    jobs = [([f"q{k}a", f"q{k}b"], CFG) for k in range(4)]
    out = _together(queue, jobs)
    assert len(run.calls) == 1 and sorted(run.calls[0][0]) == sorted(q for qs, _ in jobs for q in qs)
    for (queries, _), results in zip(jobs, out):
        assert [r.query for r in results] == queries
        assert [[e.query_index for e in r.events] for r in results] == [[0], [1]]  # indices of this caller's queries


def test_requests_decode_by_config_and_a_time_budget_alone() -> None:
    run = FakeRun()
    queue = DecodeQueue(run, gather=0.05)
    budget = DecodeConfig(time_budget=5.0)
    out = _together(queue, [(["a"], CFG), (["b"], DecodeConfig(max_calls=1)), (["c"], CFG), (["d"], budget), (["e"], budget)])
    assert [[r.query for r in o] for o in out] == [["a"], ["b"], ["c"], ["d"], ["e"]]
    batches = sorted(sorted(qs) for qs, _ in run.calls)
    assert batches == [["a", "c"], ["b"], ["d"], ["e"]]


def test_one_bad_request_fails_alone() -> None:
    run = FakeRun(fail_on="bad")
    queue = DecodeQueue(run, gather=0.05)
    out = _together(queue, [(["ok1"], CFG), (["bad"], CFG), (["ok2", "ok3"], CFG)])
    assert [r.query for r in out[0]] == ["ok1"] and [r.query for r in out[2]] == ["ok2", "ok3"]
    assert isinstance(out[1], ValueError) and "'bad'" in str(out[1])


def test_a_request_arriving_during_a_decode_is_served_by_the_next_one() -> None:
    gate = threading.Event()
    run = FakeRun(gate=gate)
    queue = DecodeQueue(run, gather=0.0)
    first: list[Any] = []
    t = threading.Thread(target=lambda: first.append(queue.decode(["first"], CFG)))
    t.start()
    while not run.calls:
        time.sleep(0.001)
    second: list[Any] = []
    u = threading.Thread(target=lambda: second.append(queue.decode(["second"], CFG)))
    u.start()
    time.sleep(0.05)
    assert not second  # waiting, not lost
    gate.set()
    t.join(5)
    u.join(5)
    assert [r.query for r in first[0]] == ["first"] and [r.query for r in second[0]] == ["second"]
    assert [qs for qs, _ in run.calls] == [["first"], ["second"]]


def test_steady_arrivals_do_not_hold_the_first_request_forever() -> None:
    run = FakeRun()
    queue = DecodeQueue(run, gather=0.02, max_gather=0.1)
    stop = threading.Event()

    def pester() -> None:
        while not stop.is_set():
            queue.decode(["noise"], CFG)

    noise = [threading.Thread(target=pester) for _ in range(3)]
    for n in noise:
        n.start()
    started = time.monotonic()
    assert [r.query for r in queue.decode(["mine"], CFG)] == ["mine"]
    waited = time.monotonic() - started
    stop.set()
    for n in noise:
        n.join(5)
    assert waited < 2.0  # a few capped gathers at most, never an endless one


def test_the_lock_keeps_decodes_apart() -> None:
    run = FakeRun()
    queue = DecodeQueue(run, gather=0.0)
    done: list[Any] = []
    with queue.exclusive():
        other = threading.Thread(target=lambda: done.append(queue.decode(["other"], CFG)))
        other.start()
        time.sleep(0.05)
        assert not done  # waits while a stream's step holds the lock
    other.join(5)
    assert [r.query for r in done[0]] == ["other"]


def test_empty_requests_return_at_once() -> None:
    run = FakeRun()
    assert DecodeQueue(run).decode([], CFG) == [] and run.calls == []


@pytest.mark.parametrize("filtered", [True, False])
def test_results_answer_from_their_fields(filtered: bool) -> None:
    """A caller may filter a decoded result's calls; what is safe to run follows the fields."""
    (res,) = list(FakeRun()(["q"], CFG, None))
    if filtered:
        res.calls.clear()
    assert res.valid_calls == ([] if filtered else [ToolCall("echo", {"q": "q"})])
    assert res.emitted_calls == (0 if filtered else 1)
