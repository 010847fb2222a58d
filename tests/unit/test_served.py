"""``ChatTokMemServed`` against a stand-in OpenAI-compatible server on localhost: what it sends (the
user turn, greedy, the export's grammar narrowed by ``bind_tools``/``tool_choice``, special tokens
kept) and how it reads the answer back (calls, text, usage, errors). The real ``vllm serve`` test is
``tests/engine/``."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from test_export import _bank
from tokmem_agents.errors import ServingError, UnknownToolError
from tokmem_agents.export import export_model
from tokmem_agents.integrations.langchain import ChatTokMemServed


class _Server:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply = "Hello."
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, **body})
                payload = json.dumps({
                    "choices": [{"message": {"role": "assistant", "content": outer.reply}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 21, "completion_tokens": 9, "total_tokens": 30},
                }).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture()
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()


@pytest.fixture(scope="module")
def export(tiny_backbone: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("served") / "export"
    export_model(tiny_backbone, _bank(tiny_backbone, 1.0), out)
    return out


def test_a_turn_is_one_request_and_its_calls_come_back(server: _Server, export: Path) -> None:
    server.reply = '<|tool:set_fan|>{"mode": "low", "on": true}<|tool:set_pump|>{"mode": "eco", "on": false}'
    model = ChatTokMemServed(export=str(export), base_url=server.url)
    ai = model.invoke("fan low, pump eco off")
    assert [(c["name"], c["args"]) for c in ai.tool_calls] == [("set_fan", {"mode": "low", "on": True}), ("set_pump", {"mode": "eco", "on": False})]
    assert ai.content == "" and ai.usage_metadata == {"input_tokens": 21, "output_tokens": 9, "total_tokens": 30}
    assert ai.response_metadata["model_name"] == str(export)
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["messages"] == [{"role": "user", "content": "fan low, pump eco off"}]
    assert sent["temperature"] == 0.0 and sent["skip_special_tokens"] is False
    assert sent["structured_outputs"]["grammar"] == (export / "tools.lark").read_text()


def test_text_answers_and_broken_calls(server: _Server, export: Path) -> None:
    model = ChatTokMemServed(export=str(export), base_url=server.url)
    ai = model.invoke("hello")
    assert ai.content == "Hello." and ai.tool_calls == []
    server.reply = '<|tool:set_fan|>{"mode": "medium", "on": true}'  # not in the enum: invalid, never executable
    ai = model.invoke("fan medium")
    assert ai.tool_calls == [] and ai.invalid_tool_calls and "medium" in ai.invalid_tool_calls[0]["error"]


def test_bind_tools_and_tool_choice_narrow_the_grammar(server: _Server, export: Path) -> None:
    model = ChatTokMemServed(export=str(export), base_url=server.url)
    lamp = {"type": "function", "function": {"name": "set_lamp", "description": "", "parameters": {"type": "object", "properties": {}}}}
    model.bind_tools([lamp], tool_choice="required").invoke("lamp")
    grammar = server.requests[-1]["structured_outputs"]["grammar"]
    ids = ChatTokMemServed(export=str(export)).manifest.token_ids
    assert grammar.startswith("start: call{1,8}") and f"<[{ids['set_lamp']}]>" in grammar and f"<[{ids['set_fan']}]>" not in grammar
    model.bind_tools([lamp], tool_choice="none").invoke("lamp")
    assert "structured_outputs" not in server.requests[-1]
    with pytest.raises(UnknownToolError, match="nope"):
        model.bind_tools([{"type": "function", "function": {"name": "nope", "parameters": {"type": "object", "properties": {}}}}])


def test_the_grammar_a_request_sends_compiles(export: Path, tiny_backbone: Any) -> None:
    import llguidance

    from tokmem_agents.decode.grammar import ll_tokenizer
    from tokmem_agents.export.grammar import restrict

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(export)
    model = ChatTokMemServed(export=str(export))
    ll = ll_tokenizer(tok, max(model.manifest.token_ids.values()) + 1, model.manifest.end_token_ids)
    narrowed = restrict(model.grammar, [model.manifest.token_ids["set_lamp"]], require_call=True)
    matcher = llguidance.LLMatcher(ll, narrowed, log_level=0)
    assert not matcher.is_error(), matcher.get_error()
    text_ids = tok("hi", add_special_tokens=False)["input_ids"]
    assert matcher.try_consume_tokens(text_ids) == 0  # a call is required: no text
    assert matcher.try_consume_tokens([model.manifest.token_ids["set_lamp"]]) == 1


def test_tool_results_get_the_summary_answer_without_a_request(server: _Server, export: Path) -> None:
    model = ChatTokMemServed(export=str(export), base_url=server.url)
    call = {"name": "set_fan", "args": {"mode": "low", "on": True}, "id": "c1"}
    ai = model.invoke([HumanMessage("fan low"), AIMessage("", tool_calls=[call]), ToolMessage("done", tool_call_id="c1", name="set_fan")])
    assert ai.content == "set_fan: done" and server.requests == []


def test_a_server_error_is_a_serving_error(server: _Server, export: Path) -> None:
    server.status = 500
    with pytest.raises(ServingError, match="HTTP 500"):
        ChatTokMemServed(export=str(export), base_url=server.url).invoke("hi")
    with pytest.raises(ServingError):
        ChatTokMemServed(export=str(export), base_url="http://127.0.0.1:9/v1", timeout=2).invoke("hi")
