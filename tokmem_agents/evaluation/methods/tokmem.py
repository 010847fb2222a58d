"""TokMem as an evaluated method: batched decoding of a bank's memory tokens."""

from __future__ import annotations

from typing import Sequence

from ...config import DecodeConfig
from ...decode.results import DecodeResult
from ...tokmem import TokMem
from ..metrics import Prediction


def prediction_from_result(result: DecodeResult) -> Prediction:
    """A decode result as a :class:`Prediction`.

    Every parsed call is kept (the metrics judge schema validity themselves); call attempts whose
    arguments did not even parse as a JSON object are ``invalid``; calls the decoder stopped at a
    budget (:attr:`DecodeResult.truncated`) are counted in ``truncated``.
    """
    return Prediction(
        calls=list(result.calls),
        text=result.text,
        prompt_tokens=result.prompt_tokens,
        seconds=result.seconds,
        invalid=[i.raw for i in result.invalid if i.call_index is None],
        truncated=len(result.truncated),
    )


class TokMemMethod:
    """TokMem as an evaluated method: batched decoding of the bank's memory tokens."""

    name = "tokmem"

    def __init__(self, tm: TokMem, config: DecodeConfig | None = None) -> None:
        self.tm = tm
        self.config = config or DecodeConfig()

    @property
    def trainable_parameters(self) -> int:
        """Number of trained floats: the memory rows (input and, when decoupled, output)."""
        bank = self.tm.bank
        rows = bank.input_vectors.numel()
        return rows + (bank.output_vectors.numel() if bank.output_vectors is not None else 0)

    @property
    def constrained(self) -> bool:
        """Whether arguments are decoded under the tools' schemas."""
        return self.config.constrained

    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        """Decode every query (in batches) and convert the results."""
        return [prediction_from_result(r) for r in self.tm.call_batch(list(queries), self.config)]
