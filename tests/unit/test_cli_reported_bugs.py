"""The CLI bugs a black-box run found (issue 19), each pinned by a test that fails without its fix:
read commands on a missing bank, a command group without its command, third-party noise on the first
screen, and files written with mode 0600 whatever the umask."""

from __future__ import annotations

import os
import stat
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from cli.app import main
from cli_support import PING, copy_bank, learned_bank, one_error_line, run, write_json, write_jsonl  # noqa: F401

READ_COMMANDS = [
    ["call", "ping example.com"],
    ["call", "ping example.com", "--json"],
    ["chat"],
    ["eval", "{data}"],
    ["eval", "{data}", "--json"],
    ["tools", "list"],
    ["tools", "list", "--json"],
    ["tools", "show", "ping"],
    ["tools", "export", "ping", "{out}"],
    ["tools", "forget", "ping"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", ["missing", "empty-dir"])
def test_read_commands_on_a_missing_bank_are_usage_errors(args: list[str], where: str, tmp_path: Path, tokmem_home: Path) -> None:
    bank = tmp_path / "no-bank"
    if where == "empty-dir":
        bank.mkdir()
    data = write_jsonl(tmp_path / "eval.jsonl", [{"query": "ping a.org", "calls": [{"name": "ping", "arguments": {"host": "a.org"}}]}])
    filled = [a.format(data=data, out=tmp_path / "ping.tool") for a in args]
    res = run(*filled, "--bank", bank)
    assert res.exit_code == 2, res.output
    line = one_error_line(res)
    assert str(bank) in line and "no bank here" in line
    assert res.stdout == ""
    assert (not bank.exists()) if where == "missing" else list(bank.iterdir()) == []  # nothing created
    assert not (tmp_path / "ping.tool").exists()


def test_only_learning_and_importing_create_a_bank(tmp_path: Path, tiny_model_dir: Path, learned_bank: Path, tokmem_home: Path) -> None:
    exported = tmp_path / "ping.tool"
    assert run("tools", "export", "ping", exported, "--bank", learned_bank).exit_code == 0
    res = run("tools", "import", exported, "--bank", tmp_path / "imported")
    assert res.exit_code == 0, res.output
    assert run("tools", "list", "--bank", tmp_path / "imported").exit_code == 0
    spec = write_json(tmp_path / "ping.json", PING)
    res = run("learn-tool", spec, "--bank", tmp_path / "learned", "--model", tiny_model_dir, "--epochs", 1, "--synthesize", 0)
    assert res.exit_code == 0, res.output


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_a_group_without_its_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(["tools"], capsys)
    assert code == 2
    assert "list" in out and "import" in out  # the group's help, once
    assert out.count("Usage:") == 1
    assert err.strip().splitlines() == ["error: missing command (see `tokmem-agent tools --help`)"]


# -- third-party noise while the model loads -------------------------------------------------------


def _noisy_loader(real: Any) -> Any:
    """A stand-in for transformers' loading that prints what it prints on a first GGUF load."""

    def load(location: Any, dtype: Any, gguf_file: str | None = None) -> Any:
        from transformers import modeling_gguf_pytorch_utils as gguf_utils
        from transformers.utils import logging as hf_logging

        for _ in gguf_utils.tqdm(range(3), desc="Converting and de-quantizing GGUF tensors..."):
            pass
        hf_logging.get_logger("transformers.modeling_utils").warning("some advisory from transformers")
        warnings.warn("`is_gradient_checkpointing` is deprecated", FutureWarning, stacklevel=2)
        return real(location, dtype, gguf_file)

    return load


@pytest.mark.parametrize("verbose", [False, True])
def test_loading_a_backbone_is_quiet_unless_verbose(verbose: bool, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    from tokmem_agents.model import backbone, sources

    monkeypatch.setattr(sources, "_load_pretrained", _noisy_loader(sources._load_pretrained))
    monkeypatch.setattr(backbone, "_LOADED", {})
    capfd.readouterr()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        backbone.load_backbone(str(tiny_model_dir), device="cpu", verbose=verbose)
    err = capfd.readouterr().err
    if verbose:
        assert "Converting and de-quantizing" in err and any(issubclass(w.category, FutureWarning) for w in seen)
    else:
        assert err == "" and not seen, (err, [str(w.message) for w in seen])


def test_the_cli_loads_quietly_and_verbose_shows_it(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, learned_bank: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from tokmem_agents.model import backbone, sources

    monkeypatch.setattr(sources, "_load_pretrained", _noisy_loader(sources._load_pretrained))
    bank = copy_bank(learned_bank, tmp_path / "bank")
    for args, noisy in ((["tools", "forget", "ping"], False), (["--verbose", "tools", "forget", "add_note"], True)):
        monkeypatch.setattr(backbone, "_LOADED", {})  # a new process: the model loads again
        capfd.readouterr()
        res = run(*args, "--bank", bank)
        assert res.exit_code == 0, res.output
        err = res.stderr + capfd.readouterr().err
        assert ("Converting and de-quantizing" in err) is noisy, err
        assert ("Loading weights" in err) is noisy, err  # transformers' own bar


# -- file modes follow the umask -------------------------------------------------------------------


@pytest.fixture()
def umask() -> Any:
    old = os.umask(0o022)
    try:
        yield lambda value: os.umask(value)
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_atomic_writes_follow_the_umask(tmp_path: Path, umask: Any) -> None:
    from tokmem_agents.files import atomic_write_bytes, atomic_write_text

    atomic_write_text(tmp_path / "a.txt", "a")
    assert _mode(tmp_path / "a.txt") == 0o644
    umask(0o077)
    atomic_write_bytes(tmp_path / "b.bin", b"b")
    assert _mode(tmp_path / "b.bin") == 0o600
    umask(0o002)
    atomic_write_text(tmp_path / "a.txt", "again")  # replacing a file gives the new one the umask's mode
    assert _mode(tmp_path / "a.txt") == 0o664 and (tmp_path / "a.txt").read_text() == "again"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_saved_banks_and_exported_tools_follow_the_umask(tmp_path: Path, umask: Any) -> None:
    from _tiny import make_bank
    from tokmem_agents.bank.memory import BANK_FILE, MEMORY_FILE
    from tokmem_agents.model.fingerprint import Fingerprint

    bank = make_bank(Fingerprint("tiny-test", 64, 49152, "ab" * 32), ["alpha"])
    bank.save(tmp_path / "bank")
    assert _mode(tmp_path / "bank") == 0o755
    assert _mode(tmp_path / "bank" / BANK_FILE) == 0o644 and _mode(tmp_path / "bank" / MEMORY_FILE) == 0o644
    bank.export_tool("alpha", tmp_path / "alpha.tool")
    assert _mode(tmp_path / "alpha.tool") == 0o644
    umask(0o027)
    bank.save(tmp_path / "bank")  # a replacement too
    assert _mode(tmp_path / "bank") == 0o750 and _mode(tmp_path / "bank" / BANK_FILE) == 0o640


# -- learn-tool reads the bank once, then again under the writer lock -------------------------------


def test_learn_tool_loads_the_bank_once_plus_the_reload_under_the_lock(
    tiny_model_dir: Path, learned_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokmem_home: Path
) -> None:
    from tokmem_agents.bank import storage
    from tokmem_agents.bank.memory import MemoryBank

    bank = copy_bank(learned_bank, tmp_path / "bank")
    parsed: list[str] = []
    locked = [False]
    real_parse, real_lock = MemoryBank.from_bytes.__func__, storage.writer_lock  # type: ignore[attr-defined]

    def counting(cls: type, meta: bytes, mem: bytes, where: str = "bank") -> MemoryBank:
        parsed.append("under the lock" if locked[0] else "before")
        return real_parse(cls, meta, mem, where)

    class Lock:
        def __init__(self, target: Path, *a: Any, **kw: Any) -> None:
            self.inner = real_lock(target, *a, **kw)

        def __enter__(self) -> None:
            self.inner.__enter__()
            locked[0] = True

        def __exit__(self, *exc: Any) -> None:
            locked[0] = False
            self.inner.__exit__(*exc)

    import tokmem_agents.tokmem as tokmem

    reads: list[str] = []
    real_read_bytes, real_read_text = Path.read_bytes, Path.read_text

    def read_bytes(self: Path) -> bytes:
        if self.name == "bank.json":
            reads.append("under the lock" if locked[0] else "before")
        return real_read_bytes(self)

    def read_text(self: Path, *a: Any, **kw: Any) -> str:
        if self.name == "bank.json":
            reads.append("under the lock" if locked[0] else "before")
        return real_read_text(self, *a, **kw)

    monkeypatch.setattr(MemoryBank, "from_bytes", classmethod(counting))
    monkeypatch.setattr(tokmem, "writer_lock", Lock)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "read_text", read_text)
    spec = write_json(tmp_path / "echo.json", {**PING, "name": "echo"})
    res = run("learn-tool", spec, "--bank", bank, "--epochs", 1, "--synthesize", 0)
    assert res.exit_code == 0, res.output
    assert parsed == ["before", "under the lock"]
    assert reads == ["before", "under the lock"]  # bank.json read twice in all, not peeked at besides
    assert MemoryBank.load(bank).names == ["ping", "add_note", "echo"]
