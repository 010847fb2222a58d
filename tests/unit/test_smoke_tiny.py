"""The whole path on the tiny random model in one test: learn a tool, save, load, decode a valid call."""

import torch

from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.bank.specs import parse_spec
from tokmem_agents.config import BankConfig, DecodeConfig, TrainConfig
from tokmem_agents.decode.decoder import Decoder
from tokmem_agents.training.trainer import learn


def test_tiny_roundtrip(tiny_backbone, tmp_path):
    spec = parse_spec({"name": "ping", "parameters": {"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]},
                       "examples": [{"query": "ping example.com", "arguments": {"host": "example.com"}}]})
    bank = MemoryBank(tiny_backbone.fingerprint, BankConfig())
    stats = learn(tiny_backbone, bank, [spec], config=TrainConfig(epochs=1))
    assert stats.tools == ["ping"] and stats.steps >= 1 and torch.isfinite(torch.tensor(stats.final_loss))
    bank.save(tmp_path / "b")
    again = MemoryBank.load(tmp_path / "b", tiny_backbone.fingerprint)
    assert again.names == ["ping"]
    assert torch.equal(again.input_vectors, bank.input_vectors)  # the learned row survives the files bit for bit
    # a required call on the random model: the memory token fires and the grammar keeps the arguments valid
    config = DecodeConfig(max_tokens_per_call=8, max_text_tokens=8, max_calls=1, require_call=True)
    (res,) = Decoder(tiny_backbone, again).decode(["ping x"], config)
    assert [c.name for c in res.calls] == ["ping"] and res.invalid == []
    assert not spec.validate_arguments(res.calls[0].arguments)
    assert res.stop_reason in ("end", "max_calls", "max_tokens", "repetition") and res.prompt_tokens > 0
