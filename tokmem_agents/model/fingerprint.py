"""The identity of a backbone's weights, and the one helper that hashes tensors.

A bank, an exported tool and an adapter each record the :class:`Fingerprint` of the backbone they
were trained on and refuse to load on another one. The fingerprint covers the model id (informative),
hidden size, vocabulary width, a sha256 of the input embedding matrix and the adapter merged into the
weights, if any.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable

import torch

from ..errors import BackboneMismatchError, BankError

_ADAPTER_ID = re.compile(r"[0-9a-f]{16}")


def tensor_sha256(parts: Iterable[tuple[bytes, torch.Tensor]]) -> str:
    """sha256 over ``(prefix, tensor)`` pairs: each prefix's bytes, then the tensor's float32 bytes.

    Every content hash of the project (embedding, adapter weights, exported vectors) goes through
    here; callers choose the prefixes (names, shapes), which fixes the hash values on disk."""
    h = hashlib.sha256()
    for prefix, t in parts:
        h.update(prefix)
        h.update(t.detach().to(torch.float32).contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


def embedding_sha256(model: Any) -> str:
    """sha256 of the input embedding matrix (float32 bytes): the weights part of a fingerprint."""
    return tensor_sha256([(b"", model.get_input_embeddings().weight)])


def is_adapter_id(text: Any) -> bool:
    """True for the form of an adapter id: 16 lowercase hex digits (a hash of its weights)."""
    return isinstance(text, str) and _ADAPTER_ID.fullmatch(text) is not None


@dataclass(frozen=True)
class Fingerprint:
    """Identity of a backbone: banks remember it and refuse to load on another one."""

    model_id: str
    hidden_size: int
    vocab_size: int
    embedding_sha256: str
    adapter: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored under ``"backbone"`` in bank.json (and in tool and adapter files)."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Any, where: str = "bank.json") -> "Fingerprint":
        """Parse a stored fingerprint; a malformed one is a :class:`BankError` naming ``where``."""
        try:
            fp = cls(**raw)
            if not (isinstance(fp.hidden_size, int) and isinstance(fp.vocab_size, int)):
                raise TypeError("hidden_size and vocab_size must be integers")
            if not isinstance(fp.embedding_sha256, str) or not isinstance(fp.model_id, str):
                raise TypeError("model_id and embedding_sha256 must be strings")
            if fp.adapter is not None and not is_adapter_id(fp.adapter):
                raise TypeError(f"adapter must be null or an adapter id (16 hex digits), not {str(fp.adapter)[:40]!r}")
            return fp
        except TypeError as e:
            raise BankError(f'{where}: field "backbone": {e}') from None

    def same_weights(self, other: "Fingerprint") -> bool:
        """True when both describe the same weights (the model id may differ, e.g. GGUF vs cache)."""
        return (
            self.hidden_size == other.hidden_size
            and self.vocab_size == other.vocab_size
            and self.embedding_sha256 == other.embedding_sha256
            and self.adapter == other.adapter
        )

    def check(self, other: "Fingerprint", what: str) -> None:
        """Raise :class:`BackboneMismatchError` unless ``other`` (the loaded backbone) matches."""
        if not self.same_weights(other):
            mine = f"{self.model_id}" + (f" + adapter {self.adapter}" if self.adapter else "")
            theirs = f"{other.model_id}" + (f" + adapter {other.adapter}" if other.adapter else "")
            raise BackboneMismatchError(
                f"{what} was trained on backbone {mine} (hidden {self.hidden_size}, vocab {self.vocab_size}) "
                f"but the loaded backbone is {theirs} (hidden {other.hidden_size}, vocab {other.vocab_size}); "
                "load it with the same --model"
            )
