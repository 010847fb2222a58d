from tokmem_agents.config import BankConfig, DecodeConfig, TrainConfig
from tokmem_agents.memory import MemoryBank
from tokmem_agents.specs import parse_spec
from tokmem_agents.trainer import learn
from tokmem_agents.decoding import Decoder


def test_tiny_roundtrip(tiny_backbone, tmp_path):
    spec = parse_spec({"name": "ping", "parameters": {"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]},
                       "examples": [{"query": "ping example.com", "arguments": {"host": "example.com"}}]})
    bank = MemoryBank(tiny_backbone.fingerprint, BankConfig())
    learn(tiny_backbone, bank, [spec], config=TrainConfig(epochs=1))
    bank.save(tmp_path / "b")
    again = MemoryBank.load(tmp_path / "b", tiny_backbone.fingerprint)
    assert again.names == ["ping"]
    res = Decoder(tiny_backbone, again).decode(["ping x"], DecodeConfig(max_tokens_per_call=8, max_text_tokens=8))
    assert len(res) == 1
