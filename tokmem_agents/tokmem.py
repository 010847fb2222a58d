"""The high-level API: a bank on its backbone, bound to the directory it is saved to.

    tm = TokMem.open("my-bank")                  # or TokMem.open() for the default bank
    tm.learn(load_specs(["weather.json"]))       # trains only the new tools, saves atomically
    tm.call("what's the weather in Paris?").calls  # [ToolCall(name="get_weather", ...)]

Which bank and which backbone is decided by :class:`~tokmem_agents.bank.location.BankLocation` (the
bank records its backbone in its fingerprint). A :class:`TokMem` is safe to share between threads:
calls from several threads are decoded together in one batch (:mod:`tokmem_agents.decode.queue`),
and :meth:`TokMem.shared` gives every caller in a process the same instance per bank, opened again
when the bank changes on disk.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from .bank.location import BankLocation, recorded_backbone, stored_bank
from .bank.memory import MemoryBank
from .bank.records import Example
from .bank.specs import ToolSpec
from .bank.storage import writer_lock
from .config import BankConfig, DecodeConfig, TrainConfig
from .decode.decoder import Decoder
from .decode.queue import DecodeQueue
from .decode.results import CallEvent, DecodeResult
from .errors import BankError, UnknownToolError
from .training.loop import TrainProgress
from .training.trainer import TrainStats, learn
from .model.backbone import Backbone, load_backbone

if TYPE_CHECKING:
    import torch

    from .export import ExportManifest

log = logging.getLogger(__name__)

_SHARED_LOCK = threading.Lock()
_SHARED: dict[tuple[str, str | None, str, str], tuple[Any, "TokMem"]] = {}


class TokMem:
    """A memory bank on its backbone, optionally bound to a directory it is saved to."""

    def __init__(self, backbone: Backbone, bank: MemoryBank, path: Path | None = None) -> None:
        bank.fingerprint.check(backbone.fingerprint, f"bank {path}" if path else "this bank")
        self.backbone = backbone
        self.bank = bank
        self.path = path
        self._decoder: Decoder | None = None
        self._queue = DecodeQueue(self._run)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        model: str | None = None,
        *,
        config: BankConfig | None = None,
        use_shipped: bool = True,
        adapter: str | None = "auto",
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        verbose: bool = False,
    ) -> "TokMem":
        """Open the bank at ``path`` (default ``$TOKMEM_HOME/banks/default``), or start an empty one.

        The backbone (and its adapter) is the one the bank remembers unless ``model``/``adapter`` is
        given (then it must match). A new bank starts on ``model`` with ``adapter`` (``"auto"``: the
        model's default adapter, see :func:`~tokmem_agents.model.backbone.load_backbone`) and ``config``.
        ``device`` (None: CUDA, else MPS, else CPU) and ``dtype`` (``fp32``/``bf16``/``fp16``; None: the
        dtype the bank was learned at, float32 for a new bank) place the backbone.
        When the default bank does not exist yet, the bank shipped with the package is used (it is
        copied into ``TOKMEM_HOME`` on the first write).
        """
        location = BankLocation.resolve(path, use_shipped=use_shipped)
        return cls.at(
            location, location.load(), model, config=config, adapter=adapter, device=device, dtype=dtype, verbose=verbose
        )

    @classmethod
    def at(
        cls,
        location: BankLocation,
        bank: MemoryBank | None,
        model: str | None = None,
        *,
        config: BankConfig | None = None,
        adapter: str | None = "auto",
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        verbose: bool = False,
    ) -> "TokMem":
        """The bank already read from ``location`` (None: a new one) on its backbone, as :meth:`open`
        does it; lets a caller that validated input against the bank open it without reading it again."""
        model, adapter = recorded_backbone(bank.fingerprint if bank is not None else None, model, adapter)
        if dtype is None and bank is not None:
            dtype = bank.fingerprint.dtype
        backbone = load_backbone(model, adapter=adapter, device=device, dtype=dtype, verbose=verbose)
        return cls(backbone, bank if bank is not None else MemoryBank(backbone.fingerprint, config or BankConfig()), location.target)

    @classmethod
    def shared(
        cls,
        path: str | Path | None = None,
        model: str | None = None,
        *,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
    ) -> "TokMem":
        """The process-wide :class:`TokMem` of the bank at ``path`` on ``model`` (and ``device``/``dtype``,
        as :meth:`open`): opened once, and opened again when the bank changed on disk since (a tool
        learned by the CLI, say)."""
        location = BankLocation.resolve(path)
        key = (str(location.target.resolve()), model, str(device), str(dtype))
        stamp = location.stamp()
        with _SHARED_LOCK:
            cached = _SHARED.get(key)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            tm = cls.at(location, location.load(), model, device=device, dtype=dtype)
            _SHARED[key] = (stamp, tm)
            return tm

    @property
    def decoder(self) -> Decoder:
        """The decoder of the current bank (rebuilt after the bank changes)."""
        if self._decoder is None or self._decoder.bank is not self.bank:
            self._decoder = Decoder(self.backbone, self.bank)
        return self._decoder

    # -- learning --------------------------------------------------------------------------
    def learn(
        self,
        specs: Sequence[ToolSpec],
        data: Sequence[Example] = (),
        config: TrainConfig | None = None,
        *,
        retrain: bool = False,
        progress: Callable[[TrainProgress], None] | None = None,
        save: bool = True,
    ) -> TrainStats | None:
        """Learn the tools of ``specs`` not yet in the bank (all of them with ``retrain``).

        With ``save`` (and a path), the bank is reloaded under the writer lock first, so tools
        learned meanwhile by another process are kept, and saved atomically afterwards. Returns
        None when there was nothing new to learn.
        """
        if save and self.path is not None:
            with writer_lock(self.path):
                self._reload()
                stats = self._learn(specs, data, config, retrain, progress)
                if stats is not None:
                    self.bank.save(self.path)
            return stats
        return self._learn(specs, data, config, retrain, progress)

    def _reload(self) -> None:
        """Under the writer lock: start from the bank now on disk, if there is one."""
        assert self.path is not None
        fresh = stored_bank(self.path, self.backbone.fingerprint)
        if fresh is not None:
            self.bank = fresh

    def _learn(
        self, specs: Sequence[ToolSpec], data: Sequence[Example], config: TrainConfig | None, retrain: bool,
        progress: Callable[[TrainProgress], None] | None,
    ) -> TrainStats | None:
        work = self.bank.copy()
        if retrain:
            for s in specs:
                if s.name in work:
                    work.forget(s.name, keep_examples=True)
        todo = [s for s in specs if s.name not in work]
        if not todo:
            return None
        stats = learn(self.backbone, work, todo, data, config, progress)
        self.bank = work
        return stats

    # -- calling ---------------------------------------------------------------------------
    def _run(self, queries: list[str], config: DecodeConfig, prompts: list[list[int]] | None) -> Iterator[DecodeResult]:
        return (item for item in self.decoder.stream(queries, config, prompts=prompts) if isinstance(item, DecodeResult))

    def call(self, query: str, config: DecodeConfig | None = None) -> DecodeResult:
        """Decode one query into tool calls (or a plain-text answer)."""
        return self.call_batch([query], config)[0]

    def call_batch(
        self, queries: Sequence[str], config: DecodeConfig | None = None, *, prompts: Sequence[Sequence[int]] | None = None
    ) -> list[DecodeResult]:
        """Decode many queries in batches; calls made meanwhile from other threads join the same decode.

        ``prompts`` replaces each query's chat prompt with ready token ids (the queries then only label
        the results)."""
        return self._queue.decode(queries, config or DecodeConfig(), prompts)

    def stream(
        self, queries: Sequence[str], config: DecodeConfig | None = None, *, prompts: Sequence[Sequence[int]] | None = None
    ) -> Iterator[CallEvent | DecodeResult]:
        """Decode like :meth:`call_batch`, yielding each call the moment its JSON closes, then the
        results (see :meth:`Decoder.stream`). Each decoding step holds the decode lock, the time
        between items does not: the consumer may call the bank, and other threads decode meanwhile."""
        with self._queue.exclusive():
            items = self.decoder.stream(queries, config, prompts=prompts)
        try:
            while True:
                with self._queue.exclusive():
                    item = next(items, None)
                if item is None:
                    return
                yield item
        finally:
            with self._queue.exclusive():
                items.close()

    # -- bank management -------------------------------------------------------------------
    def _edit(self, fn: Callable[[MemoryBank], object]) -> object:
        if self.path is None:
            work = self.bank.copy()
            out = fn(work)
            self.bank = work
            return out
        with writer_lock(self.path):
            self._reload()
            work = self.bank.copy()
            out = fn(work)
            work.save(self.path)
            self.bank = work
            return out

    def forget(self, name: str) -> None:
        """Remove a learned tool (saved at once when the bank has a path)."""
        if name not in self.bank:
            raise UnknownToolError(f"tool {name!r} is not in this bank")
        self._edit(lambda b: b.forget(name))

    def import_tool(self, file: str | Path, replace_existing: bool = False) -> str:
        """Import an exported tool file (same backbone only); returns its name."""
        return str(self._edit(lambda b: b.import_tool(file, replace_existing)))

    def export_tool(self, name: str, file: str | Path) -> None:
        """Write one learned tool to a portable file."""
        self.bank.export_tool(name, file)

    def export_model(self, path: str | Path) -> "ExportManifest":
        """Write the bank on its backbone as a standard Hugging Face checkpoint directory (memory
        tokens as special tokens, ``tokmem.json``, ``tools.lark``; see :mod:`tokmem_agents.export`)."""
        from .export import export_model

        return export_model(self.backbone, self.bank, path)

    def save(self, path: str | Path | None = None) -> Path:
        """Save the bank atomically (to ``path`` or the bound directory)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise BankError("no path to save the bank to")
        with writer_lock(target):
            self.bank.save(target)
        self.path = target
        return target
