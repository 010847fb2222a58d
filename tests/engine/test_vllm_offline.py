"""Issue 21, section 3: the shipped catalog bank, exported, served by vLLM's offline ``LLM`` (CPU
build) under ``tools.lark`` with the guidance backend, gives the same calls as ``TokMem.call`` with
copy bias 0 and the argmax rule on ``tools/eval``; and ``ChatTokMemServed`` against a live
``vllm serve`` returns the same ``tool_calls`` as ``ChatTokMem``.

Runs only where vLLM is installed: ``scripts/vllm_check.sh`` makes that environment and runs this
directory (``-m vllm``). Elsewhere every test here is skipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

vllm = pytest.importorskip("vllm")
if not hasattr(vllm, "LLM"):  # a namespace package of that name, not the engine
    pytest.skip("vLLM's engine is not installed here", allow_module_level=True)
pytestmark = pytest.mark.vllm
ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tools" / "eval"
# the offline engine in this process (no worker processes under pytest); RAM, not GPU memory, on a CPU
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
MEMORY_SHARE = float(os.environ.get("TOKMEM_VLLM_MEMORY", "0.3"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    os.environ["TOKMEM_HOME"] = str(tmp_path_factory.mktemp("home"))
    from tokmem_agents import TokMem, load_jsonl

    tm = TokMem.open()  # the shipped catalog bank stands in for the default bank
    out = tmp_path_factory.mktemp("export") / "catalog"
    manifest = tm.export_model(out)
    examples = [e for f in ("single.jsonl", "multi.jsonl", "notool.jsonl") for e in load_jsonl(EVAL / f)]
    return {"tm": tm, "out": out, "manifest": manifest, "examples": examples}


def test_vllm_offline_reproduces_the_in_process_calls(exported: dict[str, Any]) -> None:
    from vllm import LLM, SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    from tokmem_agents import DecodeConfig

    tm, out, manifest, examples = exported["tm"], exported["out"], exported["manifest"], exported["examples"]
    lark = (out / "tools.lark").read_text()
    llm = LLM(model=str(out), dtype="float32", gpu_memory_utilization=MEMORY_SHARE, max_model_len=1024,
              structured_outputs_config={"backend": "guidance"}, seed=0)
    params = SamplingParams(temperature=0.0, max_tokens=256, skip_special_tokens=False,
                            structured_outputs=StructuredOutputsParams(grammar=lark))
    prompts = [{"prompt_token_ids": tm.backbone.prompt_ids(e.query)} for e in examples]
    outputs = llm.generate(prompts, params)
    served = [manifest.parse_ids(list(o.outputs[0].token_ids), lambda ids: tm.backbone.tokenizer.decode(
        ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)).calls for o in outputs]
    mine = [r.calls for r in tm.call_batch([e.query for e in examples], DecodeConfig(copy_bias=0.0, decision="argmax"))]
    same = sum(a == b for a, b in zip(served, mine))
    print(json.dumps({"queries": len(examples), "identical": same}))
    differ = [(e.query, [c.to_json() for c in a], [c.to_json() for c in b]) for e, a, b in zip(examples, served, mine) if a != b]
    assert same >= len(examples) - 2, differ[:5]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_served_chat_model_matches_the_in_process_one(exported: dict[str, Any]) -> None:
    from tokmem_agents import DecodeConfig
    from tokmem_agents.integrations.langchain import ChatTokMemServed

    out, examples = exported["out"], exported["examples"]
    port = _free_port()
    env = {**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(out), "--port", str(port),
         "--dtype", "float32", "--max-model-len", "1024", "--gpu-memory-utilization", str(MEMORY_SHARE),
         "--structured-outputs-config.backend", "guidance"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.time() + 600
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"vllm serve did not start: {server.stderr.read()[-2000:] if server.stderr else ''}")
                time.sleep(3)
        remote = ChatTokMemServed(export=str(out), base_url=f"http://127.0.0.1:{port}/v1")
        queries = [e.query for e in examples if e.calls][:10]
        got = [[(c["name"], c["args"]) for c in remote.invoke(q).tool_calls] for q in queries]
        # the in-process calls without what the export cannot carry (copy bias 0, the argmax rule)
        config = DecodeConfig(copy_bias=0.0, decision="argmax")
        want = [[(c.name, c.arguments) for c in exported["tm"].call(q, config).calls] for q in queries]
        print(json.dumps({"queries": len(queries), "identical": sum(a == b for a, b in zip(got, want))}))
        assert got == want
    finally:
        server.terminate()
        server.wait(timeout=60)
