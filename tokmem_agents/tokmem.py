"""The high-level API: a bank directory bound to its backbone.

    tm = TokMem.open("my-bank")                  # or TokMem.open() for the default bank
    tm.learn(load_specs(["weather.json"]))       # trains only the new tools, saves atomically
    tm.call("what's the weather in Paris?").calls  # [ToolCall(name="get_weather", ...)]
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .backbone import EMBEDDED_ID, Backbone, load_backbone
from .config import BankConfig, DecodeConfig, TrainConfig
from .data import Example
from .decoding import DecodeResult, Decoder
from .errors import BankError, UnknownToolError
from .home import default_bank_dir
from .memory import BANK_FILE, MEMORY_FILE, MemoryBank
from .specs import ToolSpec
from .storage import readable_dir, writer_lock
from .trainer import TrainProgress, TrainStats, learn

log = logging.getLogger(__name__)

SHIPPED_BANK = Path(__file__).parent / "data" / "default_bank"
"""The catalog bank shipped with the package, learned on the embedded backbone."""


def bank_backbone(path: str | Path) -> tuple[str, str | None] | None:
    """The backbone ``(model id, adapter id or None)`` recorded in a bank directory (None: no bank)."""
    d = readable_dir(Path(path))
    f = d / BANK_FILE
    if not f.is_file():
        if f.exists() or (d / MEMORY_FILE).exists():  # a bank with a broken bank.json is not "no bank"
            raise BankError(f"{f}: missing or not a file: corrupt bank (restore it, or remove {d} to start over)")
        return None
    try:
        raw = json.loads(f.read_text(encoding="utf-8"))
        adapter = raw["backbone"].get("adapter")
        return str(raw["backbone"]["model_id"]), (str(adapter) if adapter is not None else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise BankError(f"{f}: corrupt bank.json (cannot read the backbone it was trained on)") from None


def bank_model_id(path: str | Path) -> str | None:
    """The backbone model id recorded in a bank directory (None when there is no bank)."""
    recorded = bank_backbone(path)
    return recorded[0] if recorded is not None else None


class TokMem:
    """A memory bank on its backbone, optionally bound to a directory it is saved to."""

    def __init__(self, backbone: Backbone, bank: MemoryBank, path: Path | None = None) -> None:
        bank.fingerprint.check(backbone.fingerprint, f"bank {path}" if path else "this bank")
        self.backbone = backbone
        self.bank = bank
        self.path = path
        self._decoder: Decoder | None = None

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
    ) -> "TokMem":
        """Open the bank at ``path`` (default ``$TOKMEM_HOME/banks/default``), or start an empty one.

        The backbone (and its adapter) is the one the bank remembers unless ``model``/``adapter`` is
        given (then it must match). A new bank starts on ``model`` with ``adapter`` (``"auto"``: the
        model's default adapter, see :func:`~tokmem_agents.backbone.load_backbone`).
        When the default bank does not exist yet, the bank shipped with the package is used (it is
        copied into ``TOKMEM_HOME`` on the first write).
        """
        target = Path(path) if path is not None else default_bank_dir()
        source = target
        if bank_model_id(target) is None and path is None and use_shipped and bank_model_id(SHIPPED_BANK):
            source = SHIPPED_BANK
        recorded = bank_backbone(source)
        if recorded is None:
            backbone = load_backbone(model, adapter=adapter)
        else:
            backbone = load_backbone(
                model if model is not None else recorded[0], adapter=recorded[1] if adapter == "auto" else adapter
            )
        if recorded is None:
            bank = MemoryBank(backbone.fingerprint, config or BankConfig())
        else:
            bank = MemoryBank.load(source, backbone.fingerprint)
        return cls(backbone, bank, target)

    @property
    def decoder(self) -> Decoder:
        if self._decoder is None or self._decoder.bank is not self.bank:
            self._decoder = Decoder(self.backbone, self.bank)
        return self._decoder

    def _invalidate(self) -> None:
        self._decoder = None

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
                if bank_model_id(self.path) is not None:
                    self.bank = MemoryBank.load(self.path, self.backbone.fingerprint)
                stats = self._learn(specs, data, config, retrain, progress)
                if stats is not None:
                    self.bank.save(self.path)
            return stats
        return self._learn(specs, data, config, retrain, progress)

    def _learn(self, specs, data, config, retrain, progress) -> TrainStats | None:  # type: ignore[no-untyped-def]
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
        self._invalidate()
        return stats

    # -- calling ---------------------------------------------------------------------------
    def call(self, query: str, config: DecodeConfig | None = None) -> DecodeResult:
        """Decode one query into tool calls (or a plain-text answer)."""
        return self.decoder.decode([query], config)[0]

    def call_batch(self, queries: Sequence[str], config: DecodeConfig | None = None) -> list[DecodeResult]:
        """Decode many queries with batched decoding."""
        return self.decoder.decode(list(queries), config)

    # -- bank management -------------------------------------------------------------------
    def _edit(self, fn: Callable[[MemoryBank], object]) -> object:
        if self.path is None:
            out = fn(self.bank)
            self._invalidate()
            return out
        with writer_lock(self.path):
            if bank_model_id(self.path) is not None:
                self.bank = MemoryBank.load(self.path, self.backbone.fingerprint)
            work = self.bank.copy()
            out = fn(work)
            work.save(self.path)
            self.bank = work
            self._invalidate()
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

    def save(self, path: str | Path | None = None) -> Path:
        """Save the bank atomically (to ``path`` or the bound directory)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise BankError("no path to save the bank to")
        with writer_lock(target):
            self.bank.save(target)
        self.path = target
        return target
