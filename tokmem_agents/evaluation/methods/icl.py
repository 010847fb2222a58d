"""The prompt baselines on the same frozen backbone as TokMem: ``icl`` puts every tool schema in the
prompt; ``rag`` only the top-k tools a :class:`~.retrieval.Retriever` picks for the query. Both
decode greedily in left-padded batches and parse the text into ordered calls (:mod:`.prompting`).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping, Sequence

from ...bank.specs import ToolSpec
from ...errors import UserInputError
from ...model.chat import ChatTemplate
from ..metrics import Prediction
from .prompting import build_prompt, generate, parse_calls
from . import retrieval
from .retrieval import Retriever, tool_document

log = logging.getLogger(__name__)


class ICLMethod:
    """In-context tool calling: all tool schemas in the prompt, greedy decoding, parsed calls."""

    name = "icl"
    trainable_parameters = 0

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        specs: Sequence[ToolSpec],
        *,
        max_new_tokens: int = 256,
        batch_size: int = 8,
        constrained: bool = False,
    ) -> None:
        if constrained:
            raise NotImplementedError("schema-constrained decoding for icl/rag is not implemented yet")
        self.model, self.tokenizer = model, tokenizer
        self.specs = list(specs)
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self.constrained = constrained
        self.chat = ChatTemplate(tokenizer)
        self.native = self.chat.supports_tools()
        log.info("%s: %s tool format, %d tools", self.name, "native" if self.native else "fallback", len(self.specs))

    def tools_for(self, query: str) -> list[ToolSpec]:
        """The tools placed in the prompt of ``query``: all of them."""
        return self.specs

    def prompts(self, queries: Sequence[str]) -> list[str]:
        """The prompt text of each query."""
        return [build_prompt(self.chat, q, self.tools_for(q), self.native) for q in queries]

    def predict(self, queries: Sequence[str]) -> list[Prediction]:
        """Generate for every query and parse the calls.

        ``seconds`` is the query's share of prompt building (retrieval included) plus its share of
        its batch's generation time.
        """
        start = time.perf_counter()
        prompts = self.prompts(queries)
        prep = (time.perf_counter() - start) / max(1, len(queries))
        out = []
        for text, n_tokens, seconds in generate(
            self.model, self.tokenizer, prompts, self.max_new_tokens, self.batch_size
        ):
            calls, invalid = parse_calls(text)
            out.append(Prediction(calls, text, n_tokens, seconds + prep, invalid))
        return out


class RAGMethod(ICLMethod):
    """Retrieval-augmented tool calling: only the top-k retrieved tool schemas in the prompt.

    The retriever indexes :func:`~.retrieval.tool_document` of each spec; the retrieved tools are
    listed best first. Retrieval time is included in ``seconds``; the default retriever is
    :class:`~.retrieval.MiniLMRetriever`.
    """

    name = "rag"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        specs: Sequence[ToolSpec],
        *,
        retriever: Retriever | None = None,
        k: int = 3,
        max_new_tokens: int = 256,
        batch_size: int = 8,
        constrained: bool = False,
    ) -> None:
        super().__init__(
            model, tokenizer, specs, max_new_tokens=max_new_tokens, batch_size=batch_size, constrained=constrained
        )
        if k < 1:
            raise UserInputError(f"rag: k must be at least 1, got {k}")
        if retriever is None:
            retriever = retrieval.MiniLMRetriever()
        self.retriever, self.k = retriever, k
        self.retriever.index([tool_document(s) for s in self.specs])

    def tools_for(self, query: str) -> list[ToolSpec]:
        """The ``k`` tools the retriever ranks highest for ``query``, best first."""
        return [self.specs[i] for i in self.retriever.top_k(query, self.k)]


BASELINES: Mapping[str, type[ICLMethod]] = {"icl": ICLMethod, "rag": RAGMethod}
