"""The app as a whole: help texts, `main()`'s exit codes and one-line errors, a fast `--help`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import main
from cli_support import PING, run, write_json

COMMANDS = ["learn-tool", "call", "chat", "eval", "tools", "tools list", "tools show", "tools forget", "tools export", "tools import"]


def test_help_lists_every_command() -> None:
    res = run("--help")
    assert res.exit_code == 0
    for cmd in ("learn-tool", "call", "chat", "eval", "tools", "--bank", "--model", "--debug", "TOKMEM_HOME"):
        assert cmd in res.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_the_global_options(command: str) -> None:
    res = run(*command.split(), "--help")
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout and "--bank" in res.stdout and "--model" in res.stdout and "--debug" in res.stdout


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.mark.parametrize(
    "args, words",
    [
        (["learn-tool", "x.json", "--epochs", "0"], ["--epochs", "learn-tool --help"]),
        (["learn-tool", "x.json", "--epochs", "x"], ["--epochs", "integer"]),
        (["learn-tool"], ["SPEC.json"]),
        (["eval", "d.jsonl", "--method", "magic"], ["--method", "'magic'"]),
        (["call"], ["QUERY"]),
        (["no-such-command"], ["no-such-command"]),
        (["tools", "show"], ["NAME"]),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], words: list[str], capsys: pytest.CaptureFixture[str], tokmem_home: Path) -> None:
    code, out, err = _main(args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for w in words:
        assert w in lines[0]


def test_library_errors_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(["learn-tool", str(tmp_path / "nope.json"), "--bank", str(tmp_path / "b")], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"error: {tmp_path / 'nope.json'}: no such file"]


def test_success_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str], tokmem_home: Path) -> None:
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.model.fingerprint import Fingerprint

    MemoryBank(Fingerprint("tiny-test", 64, 49152, "ab" * 32)).save(tmp_path / "b")  # an empty bank (issue 19: a missing one is exit 2)
    code, out, _ = _main(["tools", "list", "--bank", str(tmp_path / "b")], capsys)
    assert code == 0 and "no tools yet" in out


def test_bare_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main([], capsys)
    assert code == 0 and "learn-tool" in out


def test_tokmem_debug_env_shows_tracebacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKMEM_DEBUG", "1")
    res = run("learn-tool", tmp_path / "nope.json", "--bank", tmp_path / "b")
    assert res.exit_code == 2 and "Traceback" in res.stderr


def test_unexpected_errors_are_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cli.learn_tool

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli.learn_tool, "validate_inputs", boom)
    res = run("learn-tool", write_json(tmp_path / "p.json", PING), "--bank", tmp_path / "b")
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert lines == ["error: RuntimeError: disk on fire (run with --debug for the traceback)"]


def test_help_does_not_import_torch() -> None:
    code = "import sys; from cli.app import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False False"
