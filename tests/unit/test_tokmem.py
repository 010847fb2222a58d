"""The TokMem facade on a bank directory with the tiny model: open, learn, save, reopen, forget,
export/import, and learning while another process writes the same bank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch

from _tiny import make_bank, make_tiny_model, tool_spec
from tokmem_agents.model.backbone import load_backbone
from tokmem_agents.config import DecodeConfig, TrainConfig
from tokmem_agents.decode.results import DecodeResult
from tokmem_agents.errors import BackboneMismatchError, BankError, SpecError, UnknownToolError
from tokmem_agents.bank.memory import BANK_FILE, MemoryBank
from tokmem_agents.bank.storage import writer_lock
from tokmem_agents.tokmem import TokMem

REPO = Path(__file__).resolve().parents[2]
CFG = TrainConfig(epochs=1, lr=5e-2, precision="fp32")
WEATHER = tool_spec("get_weather", "city", examples=[("Weather in Paris?", "Paris"), ("Is it cold in Oslo", "Oslo")])
TIMER = tool_spec("set_timer", "minutes", "integer", examples=[("Timer for 5 minutes", 5), ("Set a 10 minute timer", 10)])
MAIL = tool_spec("send_mail", "to", examples=[("Email Bob", "bob")])


@pytest.fixture()
def opened(tiny_model_dir: Path, tiny_backbone: Any, tmp_path: Path, tokmem_home: Path) -> TokMem:
    tm = TokMem.open(tmp_path / "bank", model=str(tiny_model_dir))
    assert tm.backbone is tiny_backbone and len(tm.bank) == 0
    return tm


def on_disk(path: Path, fp: Any) -> MemoryBank:
    return MemoryBank.load(path, fp)


def test_open_empty_learn_save_and_reopen(opened: TokMem, tiny_model_dir: Path) -> None:
    path = opened.path
    assert path is not None and not path.exists()  # nothing written before the first tool
    stats = opened.learn([WEATHER, TIMER], config=CFG)
    assert stats is not None and stats.tools == ["get_weather", "set_timer"]
    assert MemoryBank.load(path).fingerprint.model_id == str(tiny_model_dir.resolve())
    again = TokMem.open(path)  # no model given: the one recorded in bank.json
    assert again.backbone is opened.backbone
    assert again.bank.names == ["get_weather", "set_timer"]
    assert torch.equal(again.bank.input_vectors, opened.bank.input_vectors)
    short = DecodeConfig(max_calls=1, max_tokens_per_call=4, max_text_tokens=4, precision="fp32")
    res = again.call("Weather in Rome?", short)
    assert isinstance(res, DecodeResult) and res.query == "Weather in Rome?"
    assert [r.query for r in again.call_batch(["a", "b"], short)] == ["a", "b"]


def test_learning_known_tools_is_a_no_op_unless_retrained(opened: TokMem) -> None:
    opened.learn([WEATHER, TIMER], config=CFG)
    rows = opened.bank.input_vectors.clone()
    assert opened.learn([WEATHER], config=CFG) is None
    stats = opened.learn([TIMER], config=TrainConfig(epochs=1, lr=5e-2, precision="fp32", seed=9), retrain=True)
    assert stats is not None and stats.tools == ["set_timer"]
    bank = on_disk(opened.path, opened.backbone.fingerprint)
    assert bank.names == ["get_weather", "set_timer"]
    assert torch.equal(bank.input_vectors[0], rows[0])  # the other tool is untouched
    assert not torch.equal(bank.input_vectors[1], rows[1])


def test_forget(opened: TokMem) -> None:
    opened.learn([WEATHER, TIMER, MAIL], config=CFG)
    rows = opened.bank.input_vectors.clone()
    opened.forget("set_timer")
    bank = on_disk(opened.path, opened.backbone.fingerprint)
    assert bank.names == ["get_weather", "send_mail"] == opened.bank.names
    assert torch.equal(bank.input_vectors, rows[[0, 2]])
    with pytest.raises(UnknownToolError, match="set_timer"):
        opened.forget("set_timer")


def test_export_import_between_banks(opened: TokMem, tmp_path: Path) -> None:
    opened.learn([WEATHER, TIMER], config=CFG)
    opened.export_tool("set_timer", tmp_path / "timer.tool")
    other = TokMem.open(tmp_path / "bank2", model=opened.backbone.model_id)
    other.learn([MAIL], config=CFG)
    assert other.import_tool(tmp_path / "timer.tool") == "set_timer"
    bank2 = on_disk(tmp_path / "bank2", opened.backbone.fingerprint)
    assert bank2.names == ["send_mail", "set_timer"]
    assert torch.equal(bank2.input_vectors[1], opened.bank.input_vectors[1])
    with pytest.raises(BankError, match="already in the bank"):
        other.import_tool(tmp_path / "timer.tool")


def test_import_refused_on_another_backbone(opened: TokMem, tiny_model_dir: Path, tmp_path: Path) -> None:
    opened.learn([WEATHER], config=CFG)
    before = (opened.path / BANK_FILE).read_bytes()
    other_dir = make_tiny_model(tmp_path / "other-model", tiny_model_dir, seed=3)
    other = load_backbone(str(other_dir), device="cpu")
    make_bank(other.fingerprint, ["alien"]).export_tool("alien", tmp_path / "alien.tool")
    with pytest.raises(BackboneMismatchError, match="alien.tool"):
        opened.import_tool(tmp_path / "alien.tool")
    assert (opened.path / BANK_FILE).read_bytes() == before
    assert opened.bank.names == ["get_weather"]
    with pytest.raises(BackboneMismatchError):  # and the bank cannot be opened on that model either
        TokMem.open(opened.path, model=str(other_dir))


def test_failed_learn_leaves_bank_and_lock_intact(opened: TokMem) -> None:
    opened.learn([WEATHER], config=CFG)
    before = (opened.path / BANK_FILE).read_bytes()
    with pytest.raises(SpecError, match="no examples"):
        opened.learn([tool_spec("empty")], config=CFG)

    def stop(p: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        opened.learn([TIMER], config=CFG, progress=stop)
    assert (opened.path / BANK_FILE).read_bytes() == before
    assert opened.bank.names == ["get_weather"]
    with writer_lock(opened.path, timeout=1):  # the lock was released
        pass


def test_learn_keeps_tools_another_instance_added(opened: TokMem) -> None:
    opened.learn([WEATHER], config=CFG)
    second = TokMem.open(opened.path)
    second.learn([MAIL], config=CFG)  # written while `opened` holds a stale copy
    opened.learn([TIMER], config=CFG)
    bank = on_disk(opened.path, opened.backbone.fingerprint)
    assert sorted(bank.names) == ["get_weather", "send_mail", "set_timer"]
    assert torch.equal(bank.input_vectors[bank.index("send_mail")], second.bank.input_vectors[1])


IMPORT_IN_ANOTHER_PROCESS = """
import sys
from pathlib import Path
from tokmem_agents.model.fingerprint import Fingerprint
from tokmem_agents.bank.memory import MemoryBank
from tokmem_agents.bank.storage import writer_lock
path, tool, fp = Path(sys.argv[1]), sys.argv[2], Fingerprint(**__import__("json").loads(sys.argv[3]))
with writer_lock(path):
    bank = MemoryBank.load(path, fp)
    bank.import_tool(tool)
    bank.save(path)
"""


def test_learn_keeps_a_tool_another_process_imported(opened: TokMem, tmp_path: Path) -> None:
    opened.learn([WEATHER], config=CFG)
    make_bank(opened.backbone.fingerprint, ["remote_tool"], coupled=False).export_tool("remote_tool", tmp_path / "r.tool")
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(IMPORT_IN_ANOTHER_PROCESS), str(opened.path), str(tmp_path / "r.tool"),
         json.dumps(opened.backbone.fingerprint.to_json())],
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert opened.bank.names == ["get_weather"]  # stale in memory
    opened.learn([TIMER], config=CFG)
    assert opened.bank.names == ["get_weather", "remote_tool", "set_timer"]
    assert on_disk(opened.path, opened.backbone.fingerprint).names == ["get_weather", "remote_tool", "set_timer"]


def test_save_elsewhere_and_unbound_banks(opened: TokMem, tmp_path: Path) -> None:
    free = TokMem(opened.backbone, MemoryBank(opened.backbone.fingerprint))
    free.learn([WEATHER], config=CFG)  # no path: nothing written
    with pytest.raises(BankError, match="no path"):
        free.save()
    assert free.save(tmp_path / "copy") == tmp_path / "copy"
    assert free.path == tmp_path / "copy"
    assert on_disk(tmp_path / "copy", opened.backbone.fingerprint).names == ["get_weather"]


def test_corrupt_bank_json_is_a_bank_error(opened: TokMem) -> None:
    opened.learn([WEATHER], config=CFG)
    (opened.path / BANK_FILE).write_text("{not json")
    with pytest.raises(BankError, match="corrupt bank.json"):
        TokMem.open(opened.path)
    (opened.path / BANK_FILE).write_text(json.dumps({"backbone": {"model_id": opened.backbone.model_id}}))
    with pytest.raises(BankError):
        TokMem.open(opened.path)


def test_every_public_name_of_the_package_is_what_its_module_defines() -> None:
    """``from tokmem_agents import X`` gives the object, never a subpackage of the same name."""
    import importlib
    import types

    import tokmem_agents

    for name in tokmem_agents.__all__:
        if name == "__version__":
            continue
        obj = getattr(tokmem_agents, name)
        assert not isinstance(obj, types.ModuleType), name
        module = importlib.import_module(f"tokmem_agents.{tokmem_agents._EXPORTS[name]}")
        assert obj is getattr(module, name), name
    from tokmem_agents import learn

    assert callable(learn) and learn.__module__ == "tokmem_agents.training.trainer"


def _stream_and_call(tm: TokMem, config: DecodeConfig) -> list[Any]:
    """Consume a stream, calling the bank again after every item (what a consumer may do)."""
    seen = []
    for item in tm.stream(["use a please", "use b please"], config):
        seen.append((item, tm.call("use a", config)))
    return seen


def test_a_streams_consumer_may_call_the_bank_and_other_threads_decode_meanwhile(tiny_backbone: Any) -> None:
    import threading

    tm = TokMem(tiny_backbone, make_bank(tiny_backbone.fingerprint, ["a", "b"]))
    config = DecodeConfig(max_tokens_per_call=4, max_text_tokens=4, max_calls=2, precision="fp32")
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(_stream_and_call(tm, config)), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "a stream's consumer deadlocked on the bank"
    (seen,) = out
    results = [item for item, _ in seen if isinstance(item, DecodeResult)]
    assert [r.query for r in results] == ["use a please", "use b please"]
    assert all(isinstance(answer, DecodeResult) for _, answer in seen)
    # a stream left open (not exhausted) does not block another thread's decode
    items = tm.stream(["use a please"], config)
    next(items)
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(tm.call("use b", config)), daemon=True)
    thread.start()
    thread.join(120)
    assert other and other[0].query == "use b"
    items.close()
