"""Batching of concurrent callers: requests that arrive together are decoded in one batched decode.

A server (or LangChain's ``batch``, which runs one ``invoke`` per input in a thread pool) calls the
decoder from many threads at once. The first request to arrive waits a short gather window,
re-armed by every new arrival, then decodes everything that arrived meanwhile, one batched decode
per decoding config, and hands each caller its own results; requests that arrive during a decode
wait for the next one. Decoding itself is serialised by one lock (the decoder is not re-entrant),
which :meth:`DecodeQueue.exclusive` also gives to streams.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from ..config import DecodeConfig
from .results import DecodeResult

GATHER_SECONDS = 0.01
"""How long the first request waits for others after the latest arrival (a decode takes ~1 s)."""

Run = Callable[[list[str], DecodeConfig, "list[list[int]] | None"], list[DecodeResult]]
"""Decodes queries (with ready prompt ids, or None) under a config: the decoder's batched call."""


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

    def __init__(self, run: Run, gather: float = GATHER_SECONDS) -> None:
        self._run = run
        self.gather = gather
        self._cond = threading.Condition()
        self._pending: list[_Request] = []
        self._leading = False
        self._decode_lock = threading.Lock()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the decode lock (for a stream that must not interleave with batched decodes)."""
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
            self._gather()
            batch, self._pending = self._pending, []
        try:
            self._decode(batch)
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()
        return self._outcome(req)

    def _gather(self) -> None:
        """Wait (lock held) until no request has arrived for :attr:`gather` seconds."""
        if self.gather <= 0:
            return
        seen = len(self._pending)
        deadline = time.monotonic() + self.gather
        while True:
            left = deadline - time.monotonic()
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
            queries = [q for r in reqs for q in r.queries]
            prompts = [p for r in reqs for p in r.prompts] if reqs[0].prompts is not None else None  # type: ignore[union-attr]
            try:
                with self._decode_lock:
                    results = self._run(queries, reqs[0].config, prompts)
            except BaseException as e:  # noqa: BLE001 - every caller of the group gets it
                for r in reqs:
                    r.error, r.done = e, True
                continue
            at = 0
            for r in reqs:
                mine = results[at : at + len(r.queries)]
                for i, res in enumerate(mine):
                    res.reindex(i)
                r.results, r.done = mine, True
                at += len(r.queries)

    @staticmethod
    def _outcome(req: _Request) -> list[DecodeResult]:
        if req.error is not None:
            raise req.error
        assert req.results is not None
        return req.results
