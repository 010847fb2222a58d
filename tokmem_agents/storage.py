"""Crash-safe file and directory writes, and the writer lock of a bank.

Files are written to a temporary file in the same directory, fsync'd and renamed. A whole bank
directory is replaced by building a staging directory beside it and exchanging the two atomically
(``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames with recovery on the next open),
so a reader sees either the old bank or the new one, never a mixture.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from .errors import BankBusyError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename inside it is durable."""
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old or the new content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(a))


def staging_dir(target: Path) -> Path:
    """A fresh empty directory beside ``target`` to build its next version in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))


def _backup_path(target: Path) -> Path:
    return target.parent / f".{target.name}.previous"


def replace_dir(staging: Path, target: Path) -> None:
    """Make ``staging`` (complete, fsync'd) the new ``target`` atomically; remove the old one."""
    for f in staging.iterdir():
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(staging)
    if target.exists():
        if _libc_exchange(staging, target):
            fsync_dir(target.parent)
            shutil.rmtree(staging, ignore_errors=True)
            return
        backup = _backup_path(target)
        shutil.rmtree(backup, ignore_errors=True)
        os.rename(target, backup)
        os.rename(staging, target)
        fsync_dir(target.parent)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.rename(staging, target)
        fsync_dir(target.parent)


def recover_dir(target: Path) -> None:
    """Finish or undo an interrupted :func:`replace_dir` and drop stale staging directories.

    Only call this while holding the bank's lock.
    """
    backup = _backup_path(target)
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
    backup = _backup_path(target)
    return backup if backup.exists() else target


def lock_path(target: Path) -> Path:
    """The lock file guarding writers of ``target`` (beside it, since the directory is swapped)."""
    return target.parent / f".{target.name}.lock"


@contextmanager
def writer_lock(target: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the exclusive writer lock of ``target``; :class:`BankBusyError` after ``timeout`` s."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(target)))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise BankBusyError(
            f"{target}: bank is busy (another tokmem-agent process is writing it); try again later"
        ) from None
    try:
        recover_dir(target)
        yield
    finally:
        lock.release()
