"""Built-in procedures: real implementations of every tool in the ``tools/`` catalog.

Each domain module holds a module-level :class:`~tokmem_agents.registry.ProcedureRegistry` named
``procedures``; :func:`register` copies them all into a registry. Anything that writes stays inside
the sandbox directory (:mod:`procedures.sandbox`).
"""

from __future__ import annotations

import importlib

from tokmem_agents.registry import ProcedureRegistry

BUILTIN_MODULES: tuple[str, ...] = (
    "procedures.math",
    "procedures.dates",
    "procedures.text",
    "procedures.notes",
    "procedures.files",
    "procedures.contacts",
    "procedures.currency",
    "procedures.security",
)


def register(registry: ProcedureRegistry) -> None:
    """Add every built-in procedure to ``registry``."""
    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        registry.update(module.procedures)
