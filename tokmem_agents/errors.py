"""Exceptions of tokmem-agents.

Every error a user can cause is a :class:`TokMemError` subclass carrying a one-line message that
names the file, the field and what was expected. The CLI maps :class:`UserInputError` subclasses to
exit code 2 and any other :class:`TokMemError` to exit code 1.
"""

from __future__ import annotations


class TokMemError(Exception):
    """Base class of every error raised on purpose by tokmem-agents."""

    exit_code: int = 1


class UserInputError(TokMemError):
    """Bad input from the user: a spec, a data file, a bank, an argument (CLI exit code 2)."""

    exit_code = 2


class SpecError(UserInputError):
    """A tool spec file is malformed or its examples do not match its parameters."""


class DataError(UserInputError):
    """A JSONL training or evaluation file is malformed."""


class BankError(UserInputError):
    """A memory bank directory or exported tool file is missing, corrupt or inconsistent."""


class BackboneMismatchError(BankError):
    """A bank (or exported tool) was trained on a different backbone than the one loaded."""


class BackboneError(UserInputError):
    """The backbone model cannot be found or loaded."""


class TrainingDivergedError(UserInputError):
    """Training produced unusable memory vectors (non-finite, zero or exploded norm), usually from too
    large a learning rate; the bank is left unchanged."""


class BankBusyError(TokMemError):
    """Another process holds the writer lock of a bank for longer than we were willing to wait."""


class ExportError(UserInputError):
    """A checkpoint export that cannot be written (the target exists and is not empty, the bank is empty)."""


class UnknownToolError(UserInputError):
    """A tool name is not in the bank (or not in the procedure registry)."""


class ProcedureError(TokMemError):
    """A procedure failed or was refused (bad arguments, sandbox violation, timeout)."""


class ServingError(TokMemError):
    """A serving engine (``vllm serve``) could not be reached or answered with an error."""


class ConstraintError(TokMemError, ValueError):
    """A token was fed to a schema constraint that does not allow it."""
