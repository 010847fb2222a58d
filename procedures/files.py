"""Text files inside the sandbox directory: write, read, list, delete."""

from __future__ import annotations

from typing import Any

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry
from tokmem_agents.files import atomic_write_bytes

from .sandbox import display_path, resolve_path, sandbox_root

procedures = ProcedureRegistry()

MAX_FILE_BYTES = 1_000_000
MAX_LISTING = 200


@procedures.register("write_file", mutates=True)
def write_file(path: str, content: str) -> dict[str, Any]:
    """Create or overwrite a text file in the sandbox (parent folders are created)."""
    data = content.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ProcedureError(f"content is larger than {MAX_FILE_BYTES} bytes")
    target = resolve_path(path)
    if target == sandbox_root() or target.is_dir():
        raise ProcedureError(f"{path!r} is a folder, not a file")
    existed = target.exists()
    atomic_write_bytes(target, data)  # write-then-rename so a reader never sees half a file
    return {"path": display_path(target), "bytes": len(data), "action": "overwritten" if existed else "created"}


@procedures.register("read_file")
def read_file(path: str) -> dict[str, Any]:
    """The text of a file in the sandbox."""
    target = resolve_path(path)
    if not target.is_file():
        raise ProcedureError(f"no file {path!r} in the sandbox")
    if target.stat().st_size > MAX_FILE_BYTES:
        raise ProcedureError(f"{path!r} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = target.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProcedureError(f"{path!r} is not a UTF-8 text file") from None
    return {"path": display_path(target), "content": text}


@procedures.register("list_files")
def list_files(directory: str = ".") -> dict[str, Any]:
    """Files and folders in a sandbox folder (hidden entries such as the stores are left out)."""
    target = resolve_path(directory)
    if not target.is_dir():
        raise ProcedureError(f"no folder {directory!r} in the sandbox")
    entries = []
    for child in sorted(target.iterdir(), key=lambda p: p.name)[: MAX_LISTING * 2]:
        if child.name.startswith("."):
            continue
        entries.append(child.name + "/" if child.is_dir() else child.name)
    return {"directory": display_path(target), "entries": entries[:MAX_LISTING]}


@procedures.register("delete_file", mutates=True)
def delete_file(path: str) -> dict[str, Any]:
    """Delete one file from the sandbox (folders are refused)."""
    target = resolve_path(path)
    if target.is_dir():
        raise ProcedureError(f"{path!r} is a folder; only files can be deleted")
    if not target.exists():
        raise ProcedureError(f"no file {path!r} in the sandbox")
    target.unlink()
    return {"path": display_path(target), "deleted": True}
