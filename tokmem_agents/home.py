"""The single data directory of tokmem-agents (``TOKMEM_HOME``) and the paths under it."""

from __future__ import annotations

import os
from pathlib import Path


def tokmem_home() -> Path:
    """Return ``$TOKMEM_HOME`` if set, else ``~/.tokmem``."""
    env = os.environ.get("TOKMEM_HOME")
    return Path(env).expanduser() if env else Path.home() / ".tokmem"


def default_bank_dir() -> Path:
    """The bank used when no ``--bank`` is given: ``$TOKMEM_HOME/banks/default``."""
    return tokmem_home() / "banks" / "default"


def model_cache_dir() -> Path:
    """Where dequantised GGUF weights (and adapted backbones) are cached."""
    return tokmem_home() / "models"


def sandbox_dir() -> Path:
    """The only directory procedures may write to."""
    return tokmem_home() / "sandbox"
