"""The layout shows the architecture: no import cycle, modules a reader can take in, every public name
documented. Read from the source with ``ast``; nothing is imported or executed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tokmem_agents", "cli", "procedures")
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its ``__init__``)."""
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _target(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours that ``name`` (a dotted import target) refers to, if any."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports anywhere (top level, in functions, under TYPE_CHECKING)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import sub` imports the submodule when there is one
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            if isinstance(node, ast.Assign) and mod == "tokmem_agents" and isinstance(node.value, ast.Dict):
                # the package's lazy exports: ``"Name": "sub.module"`` is an import done on first use
                names = [f"tokmem_agents.{v.value}" for v in node.value.values if isinstance(v, ast.Constant)]
            for name in names:
                target = _target(name, modules)
                if target is not None and target != mod:
                    graph[mod].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as the list of modules around it), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_import_graph_sees_every_form_of_import() -> None:
    graph = import_graph()
    assert "tokmem_agents.model.backbone" in graph["tokmem_agents.bank.memory"] or "tokmem_agents.model.fingerprint" in graph["tokmem_agents.bank.memory"]
    assert "tokmem_agents.registry" in graph["procedures"]  # a top-level `from tokmem_agents.registry import ...`
    assert "tokmem_agents.tokmem" in graph["cli.common"]  # an import inside a function
    assert "tokmem_agents.bank.records" in graph["tokmem_agents.registry"]  # under TYPE_CHECKING
    assert "tokmem_agents.training.trainer" in graph["tokmem_agents"]  # a lazy export of the package


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


LAYERS = {
    # package (or module) -> the packages of tokmem_agents it may import; foundation modules are always allowed
    "tokmem_agents.model": set(),
    "tokmem_agents.bank": {"model"},
    "tokmem_agents.training": {"model", "bank"},
    "tokmem_agents.decode": {"model", "bank"},
    "tokmem_agents.export": {"model", "bank", "decode"},
    "tokmem_agents.tokmem": {"model", "bank", "training", "decode", "export"},
    "tokmem_agents.registry": {"bank"},
    "tokmem_agents.evaluation": {"model", "bank", "training", "decode", "tokmem"},
    "tokmem_agents.integrations": {"model", "bank", "decode", "export", "tokmem", "registry"},
}
FOUNDATION = {"tokmem_agents.errors", "tokmem_agents.home", "tokmem_agents.files", "tokmem_agents.config"}


def _layer(module: str) -> str | None:
    for layer in sorted(LAYERS, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def test_dependencies_point_down() -> None:
    """Each package imports only the layers below it (model <- bank <- training/decode <- export <- tokmem <- evaluation/integrations)."""
    wrong = []
    for mod, targets in import_graph().items():
        layer = _layer(mod)
        if layer is None:
            continue
        for t in targets:
            if not t.startswith("tokmem_agents") or t in FOUNDATION or _layer(t) == layer:
                continue
            if t == "tokmem_agents" or t.split(".")[1] not in LAYERS[layer]:  # the package's exports sit on top
                wrong.append(f"{mod} -> {t}")
    assert not wrong, "imports against the layering: " + ", ".join(sorted(wrong))
    foundation_deps = {t for m in FOUNDATION for t in import_graph().get(m, set())}
    assert foundation_deps <= FOUNDATION, f"foundation modules import upward: {sorted(foundation_deps - FOUNDATION)}"


def test_the_library_never_imports_the_cli_or_the_procedures() -> None:
    leaks = [f"{m} -> {t}" for m, ts in import_graph().items() if m.startswith("tokmem_agents") for t in ts if not t.startswith("tokmem_agents")]
    assert not leaks, leaks


@pytest.mark.parametrize("path", sorted((ROOT / "tokmem_agents").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_are_short_enough_to_read(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})"


def _undocumented(path: Path) -> list[str]:
    """Public functions, classes and methods of public classes without a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    missing = []

    def check(node: ast.AST, where: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if ast.get_docstring(node) is None:
                missing.append(f"{where}{node.name} (line {node.lineno})")

    for node in tree.body:
        check(node, "")
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                check(item, f"{node.name}.")
    return missing


def test_every_public_name_has_a_docstring() -> None:
    missing = [f"{p.relative_to(ROOT)}: {name}" for p in sorted((ROOT / "tokmem_agents").rglob("*.py")) for name in _undocumented(p)]
    assert not missing, "undocumented public names:\n" + "\n".join(missing)
    for p in sorted((ROOT / "tokmem_agents").rglob("*.py")):
        assert ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))), f"{p.relative_to(ROOT)}: no module docstring"


def test_the_docstring_check_sees_what_is_missing(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text('"""m."""\n\ndef f():\n    pass\n\nclass C:\n    """c."""\n\n    def g(self):\n        pass\n\n    def _h(self):\n        pass\n')
    assert _undocumented(f) == ["f (line 3)", "C.g (line 9)"]


def test_no_module_cites_a_file_the_repository_lacks() -> None:
    for p in sorted((ROOT / "tokmem_agents").rglob("*.py")) + [ROOT / "tools" / "README.md"]:
        text = p.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text, f"{p.relative_to(ROOT)} cites DESIGN.md, which is not in the repository"


def test_architecture_md_names_every_module_and_only_real_ones() -> None:
    """ARCHITECTURE.md is the map: every library module is on it, in its package's section, and every
    module it names exists (what keeps the map from going stale)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    sections = {}
    for block in text.split("\n### ")[1:]:
        head, _, body = block.partition("\n")
        for pkg in head.split(" - ")[0].replace(" and ", " ").split():
            sections[pkg.strip("`/")] = body
    missing = []
    for path in sorted((ROOT / "tokmem_agents").rglob("*.py")):
        rel = path.relative_to(ROOT / "tokmem_agents")
        if path.name == "__init__.py" and rel.parts[:-1] not in {("evaluation", "methods"), ("integrations", "langchain")}:
            continue
        if len(rel.parts) == 1:
            where = text  # a top-level module: anywhere on the page
        else:
            where = sections.get(rel.parts[0], "")
        name = path.stem if path.name != "__init__.py" else rel.parts[-2]
        if f"{name}.py" not in where and f"`{name}" not in where and f"{name}/" not in where:
            missing.append(str(rel))
    assert not missing, f"ARCHITECTURE.md does not place: {missing}"
    import re

    real = {p.name for p in ROOT.rglob("*.py") if ".ci-venv" not in p.parts and ".git" not in p.parts}
    named = set(re.findall(r"\b([a-z_]+\.py)\b", text))
    assert named <= real, f"ARCHITECTURE.md names modules that do not exist: {sorted(named - real)}"


def test_no_test_folder_shadows_a_package_the_tests_import() -> None:
    """pytest puts test folders on ``sys.path``; a folder named like a dependency (``tests/vllm`` once)
    becomes a namespace package that ``importorskip`` finds, so the tests it guards run and fail."""
    imported: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    imported.add(arg.value.split(".")[0])
    folders = {p.name for p in (ROOT / "tests").rglob("*") if p.is_dir() and p.name != "__pycache__"}
    assert "vllm" in imported  # the check sees importorskip targets
    assert not folders & imported, sorted(folders & imported)
