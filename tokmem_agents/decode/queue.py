"""Batching of concurrent callers: requests that arrive together are decoded in one batched decode.

A server (or LangChain's ``batch``, which runs one ``invoke`` per input in a thread pool) calls the
decoder from many threads at once. The first request to arrive waits a short gather window,
re-armed by every new arrival and capped, then decodes everything that arrived meanwhile, one
batched decode per decoding config, and hands each caller its results as soon as they are decoded;
requests that arrive during a decode wait for the next one. Each caller keeps its own outcome: when
a shared decode fails, its requests are decoded again one by one, so one bad request does not fail
the others; a request with a time budget is decoded alone (the budget is its own).

Decoding itself is serialised by one lock (the decoder is not safe to run from two threads at
once); :meth:`DecodeQueue.exclusive` gives it to a stream for each of its steps, so a stream never
holds it while its consumer runs (the consumer may call the bank, other threads decode meanwhile).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

from ..config import DecodeConfig
from .results import DecodeResult

GATHER_SECONDS = 0.01
"""How long the first request waits for others after the latest arrival (a decode takes ~1 s)."""
MAX_GATHER_SECONDS = 0.05
"""The longest the first request waits in all, however steadily others arrive."""

Run = Callable[[list[str], DecodeConfig, "list[list[int]] | None"], Iterable[DecodeResult]]
"""Decodes queries (with ready prompt ids, or None) under a config, yielding their results in order."""


@dataclass
class _Request:
    queries: list[str]
    config: DecodeConfig
    prompts: list[list[int]] | None
    results: list[DecodeResult] | None = None
    error: BaseException | None = None
    done: bool = False
    key: tuple[DecodeConfig, bool] = field(init=False)

    def __post_init__(self) -> None:
        self.key = (self.config, self.prompts is not None)


class DecodeQueue:
    """Decodes the requests of concurrent callers together (see the module doc)."""

    def __init__(self, run: Run, gather: float = GATHER_SECONDS, max_gather: float = MAX_GATHER_SECONDS) -> None:
        self._run = run
        self.gather = gather
        self.max_gather = max_gather
        self._cond = threading.Condition()
        self._pending: list[_Request] = []
        self._leading = False
        self._decode_lock = threading.Lock()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the decode lock for one step of a stream (no other decode runs during it)."""
        with self._decode_lock:
            yield

    def decode(
        self, queries: Sequence[str], config: DecodeConfig, prompts: Sequence[Sequence[int]] | None = None
    ) -> list[DecodeResult]:
        """The results of ``queries``, decoded together with whatever other callers submit meanwhile."""
        req = _Request(list(queries), config, [list(p) for p in prompts] if prompts is not None else None)
        if not req.queries:
            return []
        with self._cond:
            self._pending.append(req)
            self._cond.notify_all()
            while not req.done and self._leading:
                self._cond.wait()
            if req.done:
                return self._outcome(req)
            self._leading = True
        try:
            with self._cond:
                try:
                    self._gather()
                except BaseException:
                    self._pending.remove(req)  # the others stay for the next leader
                    raise
                batch, self._pending = self._pending, []
            try:
                self._decode(batch)
            except BaseException as e:
                for r in batch:
                    if not r.done:
                        self._finish(r, error=e)
                raise
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()
        return self._outcome(req)

    def _gather(self) -> None:
        """Wait (lock held) until no request has arrived for :attr:`gather` seconds, at most :attr:`max_gather`."""
        if self.gather <= 0:
            return
        seen = len(self._pending)
        now = time.monotonic()
        deadline, cap = now + self.gather, now + self.max_gather
        while True:
            left = min(deadline, cap) - time.monotonic()
            if left <= 0:
                return
            self._cond.wait(left)
            if len(self._pending) != seen:
                seen = len(self._pending)
                deadline = time.monotonic() + self.gather

    def _decode(self, batch: list[_Request]) -> None:
        groups: dict[tuple[DecodeConfig, bool], list[_Request]] = {}
        for req in batch:
            groups.setdefault(req.key, []).append(req)
        for reqs in groups.values():
            if reqs[0].config.time_budget is not None:  # each caller's budget is its own
                for r in reqs:
                    self._decode_group([r])
            else:
                self._decode_group(reqs)

    def _decode_group(self, reqs: list[_Request]) -> None:
        """One decode for ``reqs`` (same config); each request is done as soon as its results are."""
        queries = [q for r in reqs for q in r.queries]
        prompts = [p for r in reqs for p in (r.prompts or [])] if reqs[0].prompts is not None else None
        try:
            with self._decode_lock:
                results = iter(self._run(queries, reqs[0].config, prompts))
                for r in reqs:
                    mine = [next(results) for _ in r.queries]
                    for i, res in enumerate(mine):
                        res.reindex(i)
                    self._finish(r, results=mine)
        except Exception as e:  # noqa: BLE001 - delivered to its caller below
            left = [r for r in reqs if not r.done]
            if len(reqs) == 1:
                self._finish(reqs[0], error=e)
            for r in left if len(reqs) > 1 else ():
                self._decode_group([r])  # alone, so each caller gets its own outcome
        except BaseException as e:  # KeyboardInterrupt and the like: nobody's decode goes on
            for r in reqs:
                if not r.done:
                    self._finish(r, error=e)
            raise

    def _finish(self, req: _Request, *, results: list[DecodeResult] | None = None, error: BaseException | None = None) -> None:
        with self._cond:
            req.results, req.error, req.done = results, error, True
            self._cond.notify_all()

    @staticmethod
    def _outcome(req: _Request) -> list[DecodeResult]:
        if req.error is not None:
            raise req.error
        assert req.results is not None
        return req.results
