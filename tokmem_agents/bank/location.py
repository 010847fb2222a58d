"""Which bank a command or an integration means: the one place that resolves a bank location.

A location has a *target* (where the bank is written: ``--bank DIR`` or the default bank under
``$TOKMEM_HOME``) and a *source* (where it is read from: the target when a bank is there; for the
default bank that does not exist yet, the catalog bank shipped with the package, which is copied
to the target on the first write; else none). :meth:`BankLocation.load` reads the bank once
without a backbone (the bank records which backbone it needs in its fingerprint);
:meth:`BankLocation.stamp` tells whether the bank changed on disk since.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import BankError
from ..files import readable_dir
from ..home import default_bank_dir
from ..model.fingerprint import Fingerprint
from .memory import BANK_FILE, MEMORY_FILE, NO_BANK_HINT, MemoryBank

SHIPPED_BANK = Path(__file__).parent.parent / "data" / "default_bank"
"""The catalog bank shipped with the package, learned on the embedded backbone."""

def has_bank(path: Path) -> bool:
    """Whether a bank is stored at ``path``; a directory with a bank's tensor file but no bank.json is
    a corrupt bank (:class:`BankError`), not "no bank"."""
    d = readable_dir(path)
    f = d / BANK_FILE
    if f.is_file():
        return True
    if f.exists() or (d / MEMORY_FILE).exists():
        raise BankError(f"{f}: missing or not a file: corrupt bank (restore it, or remove {d} to start over)")
    return False


def recorded_backbone(recorded: Fingerprint | None, model: str | None = None, adapter: str | None = "auto") -> tuple[str | None, str | None]:
    """``(model, adapter)`` to load for a bank (or a tool file) that records ``recorded`` (None: a new
    bank): what the user gave, else what is recorded (``"auto"``: the recorded adapter, ``"none"`` when
    there was none; for a new bank, the model's default adapter)."""
    if recorded is None:
        return model, adapter
    return (model if model is not None else recorded.model_id), ((recorded.adapter or "none") if adapter == "auto" else adapter)


def stored_bank(path: Path, fingerprint: Fingerprint | None = None) -> MemoryBank | None:
    """The bank stored at ``path`` (checked against ``fingerprint`` when given), or None when there is
    none: what a writer starts from, read again under the writer lock."""
    return MemoryBank.load(path, fingerprint) if has_bank(path) else None


@dataclass(frozen=True)
class BankLocation:
    """Where a bank is written (``target``) and read from (``source``; None: no bank yet)."""

    target: Path
    source: Path | None
    fallback: bool = False
    """Whether the shipped bank stands in for the target until the target is first written."""

    @classmethod
    def resolve(cls, path: str | Path | None = None, *, use_shipped: bool = True) -> "BankLocation":
        """The location of ``path`` (None: the default bank, which falls back to the shipped catalog
        bank until it is first written, unless ``use_shipped`` is False)."""
        target = Path(path).expanduser() if path is not None else default_bank_dir()
        return cls._at(target, fallback=path is None and use_shipped)

    @classmethod
    def _at(cls, target: Path, fallback: bool) -> "BankLocation":
        if has_bank(target):
            return cls(target, target, fallback)
        if fallback and has_bank(SHIPPED_BANK):
            return cls(target, SHIPPED_BANK, fallback)
        return cls(target, None, fallback)

    @property
    def exists(self) -> bool:
        """Whether there is a bank to read (at the target, or the shipped one)."""
        return self.source is not None

    def load(self, fingerprint: Fingerprint | None = None) -> MemoryBank | None:
        """The bank at the source, fully validated (and checked against ``fingerprint`` when given);
        None when there is no bank yet."""
        return MemoryBank.load(self.source, fingerprint) if self.source is not None else None

    def require(self) -> MemoryBank:
        """The bank, for commands that only read one: no bank is a :class:`BankError` naming the target."""
        bank = self.load()
        if bank is None:
            raise BankError(f"{self.target}: no bank here ({NO_BANK_HINT})")
        return bank

    def stamp(self) -> tuple[str, int] | None:
        """Changes whenever the bank that :meth:`resolve` would read changes on disk (a tool learned
        by another process, the default bank written for the first time); None: no bank."""
        now = BankLocation._at(self.target, self.fallback)
        if now.source is None:
            return None
        try:
            return str(now.source), (readable_dir(now.source) / BANK_FILE).stat().st_mtime_ns
        except OSError:
            return None
