"""The identity of a backbone's weights, and the one helper that hashes tensors.

A bank, an exported tool and an adapter each record the :class:`Fingerprint` of the backbone they
were trained on and refuse to load on another one. The fingerprint covers the model id (informative),
hidden size, vocabulary width, a sha256 of the input embedding matrix and the adapter merged into the
weights, if any, and the dtype the weights were loaded in.

Precision: a backbone loaded in float32 also records the hash of its embedding rounded to bfloat16
and to float16 (``reduced_sha256``), so a bank learned on float32 weights is recognised on the same
weights loaded in bf16/fp16 and the other way round. Such a pair is *allowed with a warning*: the
memory vectors fit the weights, but the calls may differ a little from those measured at the
learning precision. Weights that match at no precision are refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping

import torch

from ..errors import BackboneMismatchError, BankError

log = logging.getLogger(__name__)
_ADAPTER_ID = re.compile(r"[0-9a-f]{16}")
_SHA = re.compile(r"[0-9a-f]{64}")
_WARNED: set[tuple[str | None, str, str, str]] = set()
DTYPES = ("float32", "bfloat16", "float16")
"""The weight dtypes a backbone may be loaded in (as :func:`dtype_name` spells them)."""


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


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` -> ``"bfloat16"``: how fingerprints spell a dtype."""
    return str(dtype).removeprefix("torch.")


def reduced_sha256(model: Any) -> dict[str, str]:
    """The embedding hash after rounding to each lower precision (only float32 weights can be rounded)."""
    weight = model.get_input_embeddings().weight
    if weight.dtype != torch.float32:
        return {}
    return {name: tensor_sha256([(b"", weight.to(getattr(torch, name)))]) for name in DTYPES[1:]}


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
    dtype: str = "float32"
    """The dtype of the weights as loaded (float32, bfloat16 or float16)."""
    reduced_sha256: Mapping[str, str] = field(default_factory=dict)
    """``embedding_sha256`` of the same weights rounded to lower precisions (float32 weights only)."""

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
            if fp.dtype not in DTYPES:
                raise TypeError(f"dtype must be one of {', '.join(DTYPES)}, not {str(fp.dtype)[:40]!r}")
            reduced = fp.reduced_sha256
            if not isinstance(reduced, dict) or not all(
                k in DTYPES[1:] and isinstance(v, str) and _SHA.fullmatch(v) for k, v in reduced.items()
            ):
                raise TypeError("reduced_sha256 must map bfloat16/float16 to sha256 hex digests")
            return fp
        except TypeError as e:
            raise BankError(f'{where}: field "backbone": {e}') from None

    def same_weights(self, other: "Fingerprint") -> bool:
        """True when both describe the same weights at the same precision (the model id may differ,
        e.g. GGUF vs cache)."""
        return self._comparable(other) and self.embedding_sha256 == other.embedding_sha256 and self.dtype == other.dtype

    def same_weights_at_some_precision(self, other: "Fingerprint") -> bool:
        """True when both describe the same weights, possibly one rounded to the other's lower precision."""
        if not self._comparable(other):
            return False
        return (
            self.embedding_sha256 == other.embedding_sha256
            or self.reduced_sha256.get(other.dtype) == other.embedding_sha256
            or other.reduced_sha256.get(self.dtype) == self.embedding_sha256
        )

    def _comparable(self, other: "Fingerprint") -> bool:
        return self.hidden_size == other.hidden_size and self.vocab_size == other.vocab_size and self.adapter == other.adapter

    def check(self, other: "Fingerprint", what: str) -> None:
        """Raise :class:`BackboneMismatchError` unless ``other`` (the loaded backbone) holds the same
        weights; the same weights at another precision pass with a logged warning."""
        if self.same_weights(other):
            return
        if self.same_weights_at_some_precision(other):
            seen = (self.adapter, self.embedding_sha256, self.dtype, other.dtype)
            if seen in _WARNED:  # once per process: a bank is checked on load, on open and by its decoder
                return
            _WARNED.add(seen)
            log.warning(
                "%s was learned on %s weights and the backbone is loaded in %s: its calls may differ a little "
                "from those measured; load with --dtype %s to reproduce them", what, self.dtype, other.dtype, self.dtype,
            )
            return
        mine = f"{self.model_id}" + (f" + adapter {self.adapter}" if self.adapter else "")
        theirs = f"{other.model_id}" + (f" + adapter {other.adapter}" if other.adapter else "")
        hint = "load it with the same --model"
        if self._comparable(other) and self.dtype != other.dtype:
            hint = f"it was learned on {self.dtype} weights and these are {other.dtype}: load it with --dtype {self.dtype}"
        raise BackboneMismatchError(
            f"{what} was trained on backbone {mine} (hidden {self.hidden_size}, vocab {self.vocab_size}) "
            f"but the loaded backbone is {theirs} (hidden {other.hidden_size}, vocab {other.vocab_size}); {hint}"
        )
