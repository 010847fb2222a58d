"""Crash-safe writes of files and whole directories, and reads that fail with one clear line.

A file is written to a temporary file beside it, fsync'd and renamed over the target, so a reader
sees the old content or the new one, never a mixture. A directory (a bank, an adapter, a model
cache) is built complete in a staging directory beside its target, then swapped in. Files and
directories get the modes an ordinary ``open``/``mkdir`` would give them (the process umask).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename inside it is durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def reading(path: Path, error: Callable[[str], Exception]) -> Iterator[None]:
    """Around a read of ``path`` the user named: a missing or unreadable file becomes
    ``error("<path>: no such file")`` or ``error("<path>: cannot read: ...")``, one line, no traceback."""
    try:
        yield
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path}: cannot read: {e}") from None


def parse_json(text: str, error: Callable[[str], Exception], where: str, *, one_line: bool = False) -> Any:
    """``json.loads(text)``; malformed or absurdly nested JSON becomes one ``error`` line naming ``where``
    and the place in ``text`` (its column only when ``text`` is one line of a file ``where`` names)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        at = f"column {e.colno}" if one_line else f"line {e.lineno} column {e.colno}"
        raise error(f"{where}: invalid JSON at {at}: {e.msg}") from None
    except RecursionError:
        raise error(f"{where}: invalid JSON: nested too deeply") from None


def _fresh_name(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{secrets.token_hex(6)}"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old or the new content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = _fresh_name(path, "tmp")
        try:  # created like open(path, "wb") would: mode 0o666 minus the umask
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text variant of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def staging_dir(target: Path) -> Path:
    """A fresh empty directory beside ``target`` to build its next version in (mode as ``mkdir``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        stage = _fresh_name(target, "staging")
        try:
            stage.mkdir()
            return stage
        except FileExistsError:
            continue


def _sync_tree(staging: Path) -> None:
    for f in staging.iterdir():
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(staging)


def publish_dir(staging: Path, target: Path) -> bool:
    """Move the complete ``staging`` directory to ``target`` if nothing is there yet; otherwise (another
    process published first) drop it. Returns whether this call published it."""
    _sync_tree(staging)
    try:
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not target.exists():
            raise
        return False
    fsync_dir(target.parent)
    return True


def _libc_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2; False when the platform cannot."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, getattr(errno, "ENOTSUP", errno.EINVAL)):
        return False
    raise OSError(err, os.strerror(err), str(a))


def backup_path(target: Path) -> Path:
    """Where :func:`replace_dir` parks the old ``target`` on platforms without an atomic exchange."""
    return target.parent / f".{target.name}.previous"


def replace_dir(staging: Path, target: Path) -> None:
    """Make ``staging`` (complete) the new ``target`` atomically and remove the old one.

    Linux exchanges the two with ``renameat2(RENAME_EXCHANGE)``; elsewhere the old directory is first
    renamed to :func:`backup_path` (:func:`recover_dir` finishes an interrupted swap)."""
    _sync_tree(staging)
    if target.exists():
        if _libc_exchange(staging, target):
            fsync_dir(target.parent)
            shutil.rmtree(staging, ignore_errors=True)
            return
        backup = backup_path(target)
        shutil.rmtree(backup, ignore_errors=True)
        os.rename(target, backup)
        os.rename(staging, target)
        fsync_dir(target.parent)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.rename(staging, target)
        fsync_dir(target.parent)


def recover_dir(target: Path) -> None:
    """Finish or undo an interrupted :func:`replace_dir` and drop stale staging directories
    (call it only while holding the writer lock of ``target``)."""
    backup = backup_path(target)
    if backup.exists():
        if target.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.rename(backup, target)
    if target.parent.is_dir():
        for p in target.parent.glob(f".{target.name}.staging-*"):
            shutil.rmtree(p, ignore_errors=True)


def readable_dir(target: Path) -> Path:
    """The directory a lock-free reader should open: ``target``, or its backup mid-replace."""
    if target.exists():
        return target
    backup = backup_path(target)
    return backup if backup.exists() else target
