"""The sandbox directory: the only place procedures read or write files.

Paths given by a tool call are relative to ``tokmem_agents.home.sandbox_dir()`` (resolved at call
time, so ``TOKMEM_HOME`` can change between calls). Absolute paths, ``..`` components and symlinks
that lead outside the sandbox are refused with a :class:`ProcedureError`.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path, PurePosixPath, PureWindowsPath

from tokmem_agents.errors import ProcedureError
from tokmem_agents.home import sandbox_dir


def sandbox_root() -> Path:
    """The sandbox directory (created if missing), fully resolved."""
    root = sandbox_dir()
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve()


def resolve_path(path: str) -> Path:
    """Map a user-given relative path to a real path inside the sandbox, or raise :class:`ProcedureError`."""
    if not path or not path.strip():
        raise ProcedureError("path must not be empty")
    if "\x00" in path:
        raise ProcedureError(f"path {path!r} contains a NUL character")
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute() or PureWindowsPath(path).drive:
        raise ProcedureError(f"absolute path {path!r} refused: paths are relative to the sandbox")
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        raise ProcedureError(f"path {path!r} refused: '..' may not leave the sandbox")
    root = sandbox_root()
    target = (root / path).resolve()
    if target != root and root not in target.parents:
        raise ProcedureError(f"path {path!r} refused: it resolves outside the sandbox (symlink?)")
    return target


def display_path(target: Path) -> str:
    """A path inside the sandbox as the user sees it (relative, with '/')."""
    rel = target.relative_to(sandbox_root())
    return rel.as_posix() if rel.parts else "."


def connect_store(filename: str) -> sqlite3.Connection:
    """Open (creating if needed) a SQLite store kept in the sandbox; the caller closes it."""
    db_path = resolve_path(filename)
    conn = sqlite3.connect(os.fspath(db_path), timeout=5.0)
    conn.row_factory = sqlite3.Row
    return conn
