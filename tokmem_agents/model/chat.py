"""The one place that renders a backbone's chat template.

Training prompts, decoding prompts, the prompt baselines (tools in the prompt) and LangChain's
conversations all go through :class:`ChatTemplate`, so a prompt is rendered the same way at
training and at use. A tokenizer without a chat template gets plain ``Role: text`` lines.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

from ..errors import BackboneError

log = logging.getLogger(__name__)

_ROLES = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool"}
_SENTINEL = "XQZSENTINELQZX"
FIXED_DATE = "26 Jul 2024"
"""The ``date_string`` every template is rendered with: templates that print today's date (Llama 3.x
uses ``strftime_now`` unless ``date_string`` is given) would otherwise give a bank trained on one day
other prompts on the next. This is Llama 3.1's own fallback date."""
_PROBE_TOOL = {
    "type": "function",
    "function": {"name": "probe_tool_xq", "description": "probe", "parameters": {"type": "object", "properties": {}}},
}


class ChatTemplate:
    """A tokenizer's chat template: messages (``{"role", "content", ...}`` dicts) to prompt text."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    @property
    def has_template(self) -> bool:
        """Whether the tokenizer carries a chat template (else the plain fallback is used)."""
        return bool(getattr(self.tokenizer, "chat_template", None))

    def render(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        generation_prompt: bool = True,
        strict: bool = False,
    ) -> str:
        """The prompt text of ``messages`` (and ``tools`` in the template's own format), ending where
        the assistant's turn starts when ``generation_prompt``.

        A template that refuses the messages falls back to plain ``Role: text`` lines, unless ``strict``
        (then its error propagates)."""
        if self.has_template:
            kwargs: dict[str, Any] = {"tools": list(tools)} if tools is not None else {}
            kwargs["date_string"] = FIXED_DATE
            try:
                return str(
                    self.tokenizer.apply_chat_template(
                        [dict(m) for m in messages], tokenize=False, add_generation_prompt=generation_prompt, **kwargs
                    )
                )
            except Exception as e:  # noqa: BLE001 - a template that refuses these turns: plain rendering below
                if strict:
                    raise
                log.debug("chat template refused the messages (%s); rendering them as plain text", e)
        text = "".join(f"{_ROLES.get(str(m['role']), str(m['role']).title())}: {m['content']}\n" for m in messages)
        return text + ("Assistant: " if generation_prompt else "")

    def prompt(self, query: str) -> str:
        """A user turn holding ``query`` plus the assistant header: what memory tokens are trained and
        decoded on (no tool descriptions)."""
        return self.render([{"role": "user", "content": query}], strict=True)

    def supports_tools(self) -> bool:
        """True when the template renders a ``tools=`` list (the rendering changes with a tool)."""
        if not self.has_template:
            raise BackboneError("the backbone's tokenizer has no chat template; icl/rag need one to build prompts")
        messages = [{"role": "user", "content": "ping"}]
        try:
            return self.render(messages, tools=[_PROBE_TOOL], strict=True) != self.render(messages, strict=True)
        except Exception as e:  # noqa: BLE001 - a template may refuse tools outright; then it has no tool support
            log.debug("chat template rejected tools=: %s", e)
            return False

    def knows_tool_role(self) -> bool:
        """Whether the template renders ``tool`` turns itself (else tool results go in a user turn)."""
        template = getattr(self.tokenizer, "chat_template", None)
        return isinstance(template, str) and any(s in template for s in ("'tool'", '"tool"', "tool_calls"))

    def end_token_ids(self) -> tuple[int, ...]:
        """Tokens that end an assistant turn: the template's end-of-turn special token, then eos."""
        tok = self.tokenizer
        ids: list[int] = []
        if self.has_template:
            try:
                text = self.render(
                    [{"role": "user", "content": "hi"}, {"role": "assistant", "content": _SENTINEL}],
                    generation_prompt=False,
                    strict=True,
                )
                after_ids = tok(text.split(_SENTINEL, 1)[1], add_special_tokens=False)["input_ids"]
                special = set(tok.all_special_ids)
                added = {i for i, t in getattr(tok, "added_tokens_decoder", {}).items() if getattr(t, "special", False)}
                ids.extend(next(([i] for i in after_ids if i in special or i in added), []))
            except (IndexError, ValueError, TypeError):  # a template without assistant turns
                pass
        if tok.eos_token_id is not None and tok.eos_token_id not in ids:
            ids.append(int(tok.eos_token_id))
        if not ids:
            raise BackboneError("the tokenizer has neither an end-of-turn nor an eos token")
        return tuple(ids)
