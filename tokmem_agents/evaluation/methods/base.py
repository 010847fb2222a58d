"""The one interface every evaluated method implements (TokMem and the baselines alike)."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from ..metrics import Prediction


@runtime_checkable
class Method(Protocol):
    """A tool-calling method evaluated by the harness (:func:`~tokmem_agents.evaluation.harness.run_eval`).

    ``trainable_parameters`` counts what the method trained for these tools. Two attributes are
    optional and reported when present: ``constrained`` (arguments decoded under the tools' schemas)
    and ``train_seconds`` (the time it trained when it was built)."""

    name: str
    trainable_parameters: int

    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        """One :class:`Prediction` per query, in order."""
        ...
