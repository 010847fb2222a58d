"""The bank behind both LangChain classes: their shared fields, and the bank they decode with."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ...config import DecodeConfig
from ...tokmem import TokMem


class OnBank(BaseModel):
    """The fields and the bank that :class:`~.runnable.TokMemRunnable` and :class:`~.chat_model.ChatTokMem` share."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    bank: str | None = None
    """Bank directory (None: the default bank, ``$TOKMEM_HOME/banks/default`` or the shipped one)."""
    model: str | None = None
    """Backbone (None: the one the bank was trained on)."""
    device: str | None = None
    """Where the backbone runs: ``cpu``, ``cuda[:N]`` or ``mps`` (None: CUDA, else MPS, else CPU)."""
    dtype: str | None = None
    """Weight dtype: ``fp32``, ``bf16`` or ``fp16`` (None: the one the bank was learned at)."""
    tokmem: TokMem | None = Field(default=None, exclude=True)
    """An already opened bank (takes precedence over ``bank``, ``model``, ``device`` and ``dtype``)."""
    constrained: bool = True
    """Decode arguments under each tool's JSON Schema (every call valid by construction)."""
    max_calls: int = Field(default=8, ge=1)

    _tm: TokMem | None = PrivateAttr(default=None)

    def get_tokmem(self) -> TokMem:
        """The bank this decodes with: ``tokmem`` if given, else the process-wide one of ``bank`` on
        ``model`` (:meth:`TokMem.shared`: opened once, opened again when the bank changes on disk)."""
        if self.tokmem is not None:
            return self.tokmem
        self._tm = TokMem.shared(self.bank, self.model, device=self.device, dtype=self.dtype)
        return self._tm


def prompt_ids(tm: TokMem, rendered: Sequence[str]) -> list[list[int]]:
    """Token ids of whole rendered prompts (conversations), as the decoder takes them."""
    tok = tm.backbone.tokenizer
    return [tok(text, add_special_tokens=False)["input_ids"] for text in rendered]


def decode_items(tm: TokMem, query: str, config: DecodeConfig, *, rendered: bool, stream: bool) -> Iterable[Any]:
    """One query's calls (``CallEvent``) then its ``DecodeResult``: streamed as they close, or from a
    batched decode that calls from other threads may join."""
    prompts = prompt_ids(tm, [query]) if rendered else None
    if stream:
        return tm.stream([query], config, prompts=prompts)
    res = tm.call_batch([query], config, prompts=prompts)[0]
    return [*res.events, res]

