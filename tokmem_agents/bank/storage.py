"""The writer lock of a bank directory.

Readers never lock: a bank directory is replaced whole (:func:`tokmem_agents.files.replace_dir`),
so they see the old bank or the new one. Writers (learn, forget, import) hold this lock around
reload-edit-save, so two processes never lose each other's tools.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from ..errors import BankBusyError
from ..files import recover_dir

LOCK_TIMEOUT = 600.0
"""Seconds a writer waits for another one before giving up with :class:`BankBusyError`."""


def lock_path(target: Path) -> Path:
    """The lock file guarding writers of ``target`` (beside it, since the directory is swapped)."""
    return target.parent / f".{target.name}.lock"


@contextmanager
def writer_lock(target: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive writer lock of ``target``; :class:`BankBusyError` after ``timeout`` s.

    An interrupted replacement of ``target`` is recovered first (see :func:`~tokmem_agents.files.recover_dir`).
    """
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
