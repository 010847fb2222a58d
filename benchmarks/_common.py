"""Shared pieces of the benchmark scripts: catalog loading, the methods, cost probes, JSON/Markdown.

Every script writes ``<out>/<name>.json`` (all numbers, the exact command, machine, date), a
Markdown fragment ``<out>/<name>.md`` rendered from that JSON by the functions here, and its plot;
``report.py`` renders the same JSON into ``benchmarks/RESULTS.md``. Numbers are never typed by hand.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from tokmem_agents.bank.records import Example, load_jsonl  # noqa: E402
from tokmem_agents.bank.specs import ToolSpec, load_specs  # noqa: E402

log = logging.getLogger("benchmarks")

RESULTS_DIR = ROOT / "benchmarks" / "results"
RESULT_FORMAT = 1
EVAL_SETS = ("single", "multi", "notool")


# -- run metadata ------------------------------------------------------------------------------


def setup_logging() -> None:
    """Progress lines on stderr (``HH:MM:SS message``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    for noisy in ("transformers", "peft", "httpx"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def command_line(script: str, argv: Sequence[str] | None) -> str:
    """The command that reproduces this run, as typed from the repository root."""
    args = list(sys.argv[1:] if argv is None else argv)
    return shlex.join(["python", f"benchmarks/{script}", *args])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_version(dist: str) -> str | None:
    """The installed version of distribution ``dist``, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on: CPU, cores, RAM, torch threads, library versions."""
    import torch

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    ram = None
    try:
        m = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        ram = round(int(m.group(1)) / 1024**2, 1) if m else None
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": cores,
        "ram_gb": ram,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "versions": {d: package_version(d) for d in ("torch", "transformers", "peft", "llguidance", "tokmem-agents")},
    }


def new_result(benchmark: str, script: str, argv: Sequence[str] | None, args: Any, backbone: Any) -> dict[str, Any]:
    """The common header of a results file (the backbone's model id and the id of its merged adapter)."""
    return {
        "format": RESULT_FORMAT,
        "benchmark": benchmark,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": command_line(script, argv),
        "model": backbone.model_id,
        "adapter": backbone.fingerprint.adapter,
        "machine": machine_info(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }


def write_outputs(out: Path, name: str, result: Mapping[str, Any], markdown: str) -> Path:
    """Write ``<name>.json`` and ``<name>.md`` atomically into ``out``; returns the JSON path."""
    from tokmem_agents.files import atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    atomic_write_text(path, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    atomic_write_text(out / f"{name}.md", markdown)
    log.info("wrote %s and %s", path, out / f"{name}.md")
    return path


# -- the CLI in a fresh process (benchmarks that measure what a user runs) ----------------------


def run_cli(home: Path, *args: Any) -> subprocess.CompletedProcess[str]:
    """Run ``tokmem-agent ARGS`` with its defaults in a fresh process (``TOKMEM_HOME=home``)."""
    env = {**os.environ, "TOKMEM_HOME": str(home)}
    code = "import sys; from cli.app import main; main(sys.argv[1:])"
    res = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"tokmem-agent {' '.join(map(str, args))} failed ({res.returncode}): {res.stderr.strip()[-500:]}")
    return res


def eval_cli(home: Path, data: Path, bank: Path | None, predictions: Path) -> dict[str, Any]:
    """``tokmem-agent eval DATA --json`` (on ``bank``, or the default bank), its predictions written to
    ``predictions``; the report, with the wall seconds the command took."""
    args: list[Any] = ["eval", data, "--json", "--predictions", predictions]
    if bank is not None:
        args += ["--bank", bank]
    started = time.perf_counter()
    report = json.loads(run_cli(home, *args).stdout)
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    return report


def bank_header(backbone: Mapping[str, Any] | None) -> Any:
    """A bank's recorded ``backbone`` (bank.json) in the shape :func:`new_result` reads."""
    from types import SimpleNamespace

    raw = backbone or {}
    return SimpleNamespace(model_id=raw.get("model_id"), fingerprint=SimpleNamespace(adapter=raw.get("adapter")))


def benchmark_main(
    argv: Sequence[str] | None,
    parse_args: Callable[[Sequence[str] | None], Any],
    run: Callable[[Any, Sequence[str] | None], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
    plot: Callable[[dict[str, Any], Path], None] | None = None,
    what: str = "",
) -> dict[str, Any]:
    """A benchmark's ``main``: run it, write ``<name>.json`` and ``<name>.md``; with ``plot``, first
    draw ``<name>.png`` beside them (the Markdown then ends with it, captioned ``<what> plot``)."""
    setup_logging()
    args = parse_args(argv)
    result = run(args, argv)
    md = render(result)
    if plot is not None:
        result["plot"] = f"{args.name}.png"
        plot(result, args.out / f"{args.name}.png")
        md += f"\n![{what} plot]({args.name}.png)\n"
    write_outputs(args.out, args.name, result, md)
    return result


# -- plots -------------------------------------------------------------------------------------


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend: plots go to files, no display needed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path) -> None:
    """Lay out ``fig``, write it to ``path`` (PNG, 120 dpi, folders created) and close it."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# -- peak memory -------------------------------------------------------------------------------


class PeakRSS:
    """Peak resident memory of one phase of this process.

    On Linux, writing ``5`` to ``/proc/self/clear_refs`` resets the high-water mark (``VmHWM``), so
    each method's peak is measured on its own (the loaded backbone included). Elsewhere the number
    is the process peak so far (``scope == "process"``).
    """

    def __init__(self) -> None:
        self.scope = "method" if self._reset() else "process"

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def reset(self) -> None:
        """Start a new phase: free what earlier phases left (garbage, the C heap's free pages), then
        reset the high-water mark."""
        import gc

        gc.collect()
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
        if self.scope == "method":
            self._reset()

    def peak_mb(self) -> float:
        """Peak RSS of the phase (or of the process) in MiB."""
        try:
            m = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
            if m:
                return round(int(m.group(1)) / 1024, 1)
        except OSError:
            pass
        from tokmem_agents.evaluation.harness import peak_rss_mb

        return round(peak_rss_mb(), 1)


# -- data --------------------------------------------------------------------------------------


@dataclass
class Catalog:
    """The built-in tools, their compositional training data and the held-out evaluation sets."""

    specs: list[ToolSpec]
    compositional: list[Example]
    eval_sets: dict[str, list[Example]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]


def restrict(examples: Iterable[Example], names: Iterable[str], require_calls: bool = False) -> list[Example]:
    """The examples whose calls all name tools in ``names`` (no-tool examples too unless ``require_calls``)."""
    allowed = set(names)
    return [e for e in examples if (e.calls or not require_calls) and all(c.name in allowed for c in e.calls)]


def load_catalog(tools_dir: Path, n_tools: int | None = None) -> Catalog:
    """``tools/*.json`` (sorted by file name; the first ``n_tools`` only if given), the compositional
    data and ``tools/eval/*.jsonl``, all restricted to the chosen tools."""
    files = sorted(tools_dir.glob("*.json"))
    if not files:
        raise SystemExit(f"{tools_dir}: no tool specs (*.json)")
    specs = load_specs(files)
    if n_tools is not None:
        specs = specs[:n_tools]
    names = [s.name for s in specs]
    comp_file = tools_dir / "compositional.jsonl"
    compositional = restrict(load_jsonl(comp_file), names) if comp_file.is_file() else []
    sets = {}
    for name in EVAL_SETS:
        f = tools_dir / "eval" / f"{name}.jsonl"
        if f.is_file():
            sets[name] = restrict(load_jsonl(f), names)
    return Catalog(specs, compositional, sets)


def cap(examples: Sequence[Example], limit: int | None) -> list[Example]:
    """The first ``limit`` examples (all when None)."""
    return list(examples if limit is None else examples[:limit])


# -- methods -----------------------------------------------------------------------------------


def add_model_args(ap: Any) -> None:
    """Options every script shares: backbone, training budget, decoding limits, output."""
    ap.add_argument("--model", default=None, help="backbone (default: the embedded SmolLM2-135M)")
    ap.add_argument("--adapter", default="none",
                    help="adapter merged into the backbone of every method (id or directory; default none: the plain model)")
    ap.add_argument("--tools-dir", type=Path, default=ROOT / "tools", help="catalog directory (specs, compositional.jsonl, eval/)")
    ap.add_argument("--epochs", type=int, default=5, help="training epochs of TokMem and LoRA (same step budget)")
    ap.add_argument("--lr", type=float, default=2e-2, help="TokMem learning rate (memory rows)")
    ap.add_argument("--batch-size", type=int, default=4, help="training batch size (both methods)")
    ap.add_argument("--lora-lr", type=float, default=1e-3, help="LoRA learning rate")
    ap.add_argument("--lora-rank", type=int, default=8, help="LoRA rank (q_proj, v_proj)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=3, help="rag: tools retrieved into the prompt")
    ap.add_argument("--limit", type=int, default=None, metavar="N", help="evaluate the first N queries of each eval set")
    ap.add_argument("--max-new-tokens", type=int, default=None, metavar="N",
                    help="cap generated tokens (icl/rag/lora: per answer; tokmem: per call and per text answer)")
    ap.add_argument("--decode-batch", type=int, default=8, help="decoding batch size (all methods)")
    ap.add_argument("--copy-bias", type=float, default=None, metavar="LOGITS",
                    help="TokMem's copy bias (default: DecodeConfig's; before 2026-11-26 results were made with 0)")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR, help="results directory")


def prepare(args: Any) -> Any:
    """Apply ``--threads`` and load the backbone once."""
    import torch

    from tokmem_agents.model.backbone import load_backbone

    if args.threads:
        torch.set_num_threads(args.threads)
    t = time.perf_counter()
    backbone = load_backbone(args.model, adapter=None if args.adapter in (None, "", "none") else args.adapter)
    adapted = f" + adapter {backbone.fingerprint.adapter}" if backbone.fingerprint.adapter else ""
    log.info("backbone %s%s loaded in %.1f s", backbone.model_id, adapted, time.perf_counter() - t)
    return backbone


def train_config(args: Any, **changes: Any) -> Any:
    from tokmem_agents.config import TrainConfig

    # no synthesis unless a script asks for it: the training data of every run is what its command says
    return TrainConfig(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed,
                       **{"synthesize": 0, **changes})


def lora_config(args: Any, train: Any) -> Any:
    from tokmem_agents.config import LoRAConfig

    return LoRAConfig.matching(train, lr=args.lora_lr, rank=args.lora_rank, alpha=2 * args.lora_rank)


def decode_config(args: Any, constrained: bool = True) -> Any:
    from tokmem_agents.config import DecodeConfig

    options: dict[str, Any] = {}
    if args.max_new_tokens:
        options = {"max_tokens_per_call": args.max_new_tokens, "max_text_tokens": args.max_new_tokens}
    if args.copy_bias is not None:
        options["copy_bias"] = args.copy_bias
    return DecodeConfig.from_options(constrained=constrained, batch_size=args.decode_batch, **options)


def text_limits(args: Any) -> dict[str, int]:
    """``max_new_tokens``/``batch_size`` for the text-generating methods (icl, rag, lora)."""
    return {"max_new_tokens": args.max_new_tokens or 256, "batch_size": args.decode_batch}


def progress_logger(what: str, every: float = 30.0) -> Callable[[Any], None]:
    """A training progress callback logging at most every ``every`` seconds."""
    last = [0.0]

    def report(p: Any) -> None:
        now = time.perf_counter()
        if now - last[0] >= every or p.step == p.total_steps:
            last[0] = now
            log.info("%s: step %d/%d loss %.4f (%.1f ex/s)", what, p.step, p.total_steps, p.loss, p.examples_per_second)

    return report


def learn_tokmem(backbone: Any, specs: Sequence[ToolSpec], extra: Sequence[Example], config: Any, tm: Any = None) -> tuple[Any, Any]:
    """Learn ``specs`` into an in-memory bank (a new one unless ``tm`` is given); returns (TokMem, stats)."""
    from tokmem_agents.bank.memory import MemoryBank
    from tokmem_agents.tokmem import TokMem

    tm = tm or TokMem(backbone, MemoryBank(backbone.fingerprint))
    stats = tm.learn(list(specs), list(extra), config, save=False, progress=progress_logger("tokmem"))
    return tm, stats


def warm_up(method: Any, query: str) -> None:
    """One untimed prediction (grammar compilation, retriever and allocator warm-up)."""
    method.predict([query])


def score(method: Any, examples: Sequence[Example], specs: Sequence[ToolSpec], model_id: str) -> dict[str, Any]:
    """:func:`run_eval` of ``method`` on ``examples`` after a warm-up query (nothing when there are none)."""
    from tokmem_agents.evaluation.harness import run_eval

    if not examples:
        return {}
    warm_up(method, examples[0].query)
    t = time.perf_counter()
    report = run_eval(method, examples, specs, model=model_id, chunk_size=64)
    log.info("%s: %d queries in %.1f s: tool-F1 %.3f, full EM %.3f", method.name, len(examples),
             time.perf_counter() - t, report["tool_f1"], report["full_em"])
    return report


def score_subsets(
    method: Any, subsets: Mapping[str, Sequence[Example]], specs: Sequence[ToolSpec], chunk: int = 64
) -> dict[str, dict[str, Any]]:
    """Predict every query once (after a warm-up) and score the union (``all``) and each subset."""
    from tokmem_agents.evaluation.metrics import evaluate

    names = [n for n, exs in subsets.items() if exs]
    examples = [e for n in names for e in subsets[n]]
    if not examples:
        return {}
    warm_up(method, examples[0].query)
    t = time.perf_counter()
    preds: list[Any] = []
    queries = [e.query for e in examples]
    for i in range(0, len(queries), chunk):
        preds.extend(method.predict(queries[i : i + chunk]))
    out = {"all": evaluate(examples, preds, specs).to_json()}
    start = 0
    for n in names:
        k = len(subsets[n])
        out[n] = evaluate(subsets[n], preds[start : start + k], specs).to_json()
        start += k
    log.info("%s: %d queries in %.1f s: tool-F1 %.3f, full EM %.3f", method.name, len(examples),
             time.perf_counter() - t, out["all"]["tool_f1"], out["all"]["full_em"])
    return out


def mean_prompt_tokens(tokenizer: Any, prompts: Sequence[str]) -> float:
    """Mean token count of ``prompts`` (what a prompt-based method would prefill)."""
    if not prompts:
        return 0.0
    return sum(len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts) / len(prompts)


# -- Markdown ----------------------------------------------------------------------------------


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None) -> str:
    """A GitHub Markdown table; ``align`` is one letter per column (``l``/``r``), default left then right."""
    headers = list(headers)
    align = align or "l" + "r" * (len(headers) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def f3(x: Any) -> str:
    return "-" if x is None or x == "" else f"{x:.3f}"


def f1(x: Any) -> str:
    return "-" if x is None else f"{x:.1f}"


def fint(x: Any) -> str:
    return "-" if x is None else f"{int(x):,}"


def fsec(x: Any) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


METHOD_LABELS = {
    "tokmem": "TokMem (constrained)",
    "tokmem_free": "TokMem (unconstrained)",
    "tokmem_adapt": "TokMem w/ adapt (constrained)",
    "icl": "ICL (all schemas)",
    "rag": "RAG (top-k schemas)",
    "lora": "LoRA (r=8, q/v)",
    "renorm_replay": "TokMem, renorm + replay",
    "renorm": "TokMem, renorm only",
    "none": "TokMem, neither",
    "lora_replay": "LoRA + replay",
    "single_only": "single-call examples only",
    "handwritten": "hand-written multi-call examples",
}


def label(method: str) -> str:
    if method.startswith("synthesized_"):
        return f"{method.split('_', 1)[1]} synthesised"
    return METHOD_LABELS.get(method, method)


def _get(d: Mapping[str, Any] | None, key: str) -> Any:
    return None if not d else d.get(key)


def backbone_text(res: Mapping[str, Any]) -> str:
    """The backbone of a run in Markdown (with its adapter, if one was merged)."""
    return f"`{res['model']}`" + (f" + adapter `{res['adapter']}`" if res.get("adapter") else "")


def render_compare(res: Mapping[str, Any]) -> str:
    """The comparison at the catalog's size: a headline table, then every metric per eval set."""
    methods: Mapping[str, Any] = res["methods"]
    n_tools = res.get("n_tools")
    out = [f"Backbone {backbone_text(res)}, {n_tools} tools, {res['date']}.\n\n"]
    head = ["method", "single tool-F1", "single full EM", "multi tool-F1", "multi seq acc", "multi full EM",
            "multi paper tool/arg-F1", "schema-valid", "no-tool false calls", "prompt tok/q", "s/q",
            "peak RSS MiB", "trainable params", "train s"]
    rows = []
    for m, r in methods.items():
        sets = r.get("sets", {})
        s, mu, nt = sets.get("single"), sets.get("multi"), sets.get("notool")
        all_reports = [x for x in sets.values() if x]
        n = sum(x["n"] for x in all_reports) or 1
        emitted = sum(x["n_calls_emitted"] for x in all_reports)
        valid = (sum(x["schema_valid"] * x["n_calls_emitted"] for x in all_reports) / emitted) if emitted else None
        tok = sum(x["prompt_tokens_per_query"] * x["n"] for x in all_reports) / n
        sec = sum(x["seconds_per_query"] * x["n"] for x in all_reports) / n
        paper = f"{f3(_get(mu, 'paper_tool_f1'))} / {f3(_get(mu, 'paper_arg_f1'))}" if mu else "-"
        rows.append([label(m), f3(_get(s, "tool_f1")), f3(_get(s, "full_em")), f3(_get(mu, "tool_f1")),
                     f3(_get(mu, "sequence_acc")), f3(_get(mu, "full_em")), paper, f3(valid),
                     f3(_get(nt, "no_tool_false_call_rate")), f1(tok if all_reports else None),
                     fsec(sec if all_reports else None), f1(r.get("peak_rss_mb")), fint(r.get("trainable_parameters")),
                     fsec(r.get("train_seconds"))])
    out.append(md_table(head, rows))
    notes = [f"- {label(m)}: {r['note']}" for m, r in methods.items() if r.get("note")]
    runs = {(r.get("run") or {}).get("date") for r in methods.values()}
    if len(runs) > 1:  # merged with --update: say which run each method comes from
        notes += [f"- {label(m)}: run {r['run']['date']}: `{r['run']['command']}`" for m, r in methods.items() if r.get("run")]
    scope = next((r.get("rss_scope") for r in methods.values() if r.get("rss_scope")), "process")
    notes.append("- schema-valid, prompt tok/q and s/q are over all three sets; peak RSS is "
                 + ("each method's own peak (the loaded backbone included)" if scope == "method" else "the process peak so far"))
    out.append("\n" + "\n".join(notes) + "\n")
    detail_keys = [("n", "n", fint), ("tool_precision", "tool P", f3), ("tool_recall", "tool R", f3),
                   ("tool_f1", "tool F1", f3), ("sequence_acc", "seq acc", f3), ("call_em", "call EM", f3),
                   ("full_em", "full EM", f3), ("paper_tool_f1", "paper tool-F1", f3),
                   ("paper_arg_f1", "paper arg-F1", f3), ("schema_valid", "schema-valid", f3),
                   ("no_tool_false_call_rate", "false calls", f3), ("prompt_tokens_per_query", "prompt tok/q", f1),
                   ("seconds_per_query", "s/q", fsec)]
    for set_name in EVAL_SETS:
        rows = [[label(m)] + [fmt(r["sets"][set_name][k]) for k, _, fmt in detail_keys]
                for m, r in methods.items() if r.get("sets", {}).get(set_name)]
        if rows:
            out.append(f"\n**{set_name}** (`tools/eval/{set_name}.jsonl`)\n\n")
            out.append(md_table(["method"] + [h for _, h, _ in detail_keys], rows))
    return "".join(out)


def render_scaling(res: Mapping[str, Any]) -> str:
    """Accuracy and cost per number of learned tools, one row per (size, method)."""
    out = [f"Backbone {backbone_text(res)}, {res['date']}. Tools beyond the catalog's {res['catalog_size']} are "
           "synthetic (`scripts.auxiliary.generate_corpus`), evaluated on their held-out generated queries.\n\n"]
    head = ["tools (catalog+synthetic)", "method", "n eval", "tool-F1", "full EM", "paper arg-F1", "false calls",
            "prompt tok/q", "s/q", "peak RSS MiB", "trainable params", "train s"]
    rows = []
    for size in res["sizes"]:
        for m, r in size["methods"].items():
            rep = r.get("report") or {}
            skipped = r.get("skipped")
            rows.append([f"{size['n_tools']} ({size['n_catalog']}+{size['n_synthetic']})", label(m),
                         fint(rep.get("n")), f3(rep.get("tool_f1")) if not skipped else "skipped",
                         f3(rep.get("full_em")), f3(rep.get("paper_arg_f1")), f3(rep.get("no_tool_false_call_rate")),
                         f1(r.get("prompt_tokens_per_query", rep.get("prompt_tokens_per_query"))),
                         fsec(rep.get("seconds_per_query")), f1(r.get("peak_rss_mb")),
                         fint(r.get("trainable_parameters")), fsec(r.get("train_seconds"))])
    out.append(md_table(head, rows, "lll" + "r" * (len(head) - 3)))
    skipped = [(s["n_tools"], m, r["skipped"]) for s in res["sizes"] for m, r in s["methods"].items() if r.get("skipped")]
    if skipped:
        out.append("\nSkipped: " + "; ".join(f"{label(m)} at {n} tools ({why})" for n, m, why in skipped)
                   + ". Their prompt tokens are still measured on the same queries.\n")
    out.append("\nThe evaluation queries change with the size (more synthetic ones as tools are added), so "
               "TokMem's prompt tokens per query follow the query mix, not the number of tools. Full EM counts a "
               "no-tool query answered without a call as exact.\n")
    notes = sorted({(m, r["note"]) for s in res["sizes"] for m, r in s["methods"].items() if r.get("note")})
    out.extend(f"\n- {label(m)}: {note}" for m, note in notes)
    if notes:
        out.append("\n")
    return "".join(out)


def render_synthesis(res: Mapping[str, Any]) -> str:
    """One row per training-data variant: what it trained on, and its single, multi and no-tool scores."""
    out = [f"Backbone {backbone_text(res)}, {res['n_tools']} tools, {res['date']}. Every variant trains on the "
           "specs' single-call examples and the no-tool examples; they differ only in the multi-call data.\n\n"]
    head = ["variant", "multi-call training data", "train examples", "single tool-F1", "single full EM",
            "multi tool-F1", "multi seq acc", "multi full EM", "multi paper tool/arg-F1", "no-tool false calls", "train s"]
    rows = []
    for v, r in res["variants"].items():
        sets = r.get("sets", {})
        s, mu, nt = sets.get("single"), sets.get("multi"), sets.get("notool")
        data = (f"{r['handwritten_multi']} hand-written" if r.get("handwritten_multi")
                else f"{r['synthesized']} synthesised" if r.get("synthesized") else "none")
        paper = f"{f3(_get(mu, 'paper_tool_f1'))} / {f3(_get(mu, 'paper_arg_f1'))}" if mu else "-"
        rows.append([label(v), data, fint(r.get("train_examples")), f3(_get(s, "tool_f1")), f3(_get(s, "full_em")),
                     f3(_get(mu, "tool_f1")), f3(_get(mu, "sequence_acc")), f3(_get(mu, "full_em")), paper,
                     f3(_get(nt, "no_tool_false_call_rate")), fsec(r.get("train_seconds"))])
    out.append(md_table(head, rows, "ll" + "r" * (len(head) - 2)))
    epochs = {r.get("epochs") for r in res["variants"].values()}
    lrs = {r.get("lr") for r in res["variants"].values()}
    out.append(f"\nTraining: {', '.join(map(str, epochs))} epochs, lr {', '.join(map(str, lrs))}; eval sizes "
               + ", ".join(f"{k} {v}" for k, v in res.get("eval_sizes", {}).items()) + ".\n")
    return "".join(out)


def render_forgetting(res: Mapping[str, Any]) -> str:
    """Per variant: accuracy on each group after each round, and a summary with average forgetting."""
    metric = res.get("metric", "tool_f1")
    groups = res["groups"]
    out = [f"Backbone {backbone_text(res)}, {res['date']}. {len(groups)} groups of tools learned one per round; "
           f"after each round every group learned so far is evaluated ({metric}; rows: after round r, "
           "columns: group).\n\n"]
    summary = []
    for v, r in res["variants"].items():
        out.append(f"**{label(v)}**\n\n")
        head = ["after round"] + [f"group {g + 1}" for g in range(len(groups))] + ["mean", "no-tool false calls"]
        rows = []
        for i, rnd in enumerate(r["rounds"]):
            accs = rnd["accuracy"]
            vals = [f3(accs[g]) if g < len(accs) and accs[g] is not None else "" for g in range(len(groups))]
            present = [a for a in accs if a is not None]
            rows.append([str(i + 1)] + vals + [f3(sum(present) / len(present) if present else None),
                                                f3(rnd.get("no_tool_false_call_rate"))])
        out.append(md_table(head, rows) + "\n")
        summary.append([label(v), f3(r.get("final_mean")), f3(r.get("avg_forgetting")), f3(r.get("max_forgetting")),
                        fint(r.get("trainable_parameters")), fsec(r.get("train_seconds"))])
    out.append("**Summary** (forgetting of a group = its best accuracy in an earlier round minus its accuracy "
               "after the last round, averaged over all groups but the last)\n\n")
    out.append(md_table(["variant", "final mean", "avg forgetting", "max forgetting", "trainable params", "train s"], summary))
    out.append("\nGroups: " + "; ".join(f"{i + 1}: {', '.join(g)}" for i, g in enumerate(groups)) + "\n")
    return "".join(out)


def render_generalisation(res: Mapping[str, Any]) -> str:
    """generalisation.py's results: per set and mean, by phrasing style, the catalog bank's false calls."""
    rows = [
        [name, s["tools"], s["train_examples"], f3(s["tool_accuracy"]), f3(s["tool_recall"]), f3(s["full_em"]), f3(s["false_call_rate"]), fsec(s["learn_seconds"])]
        for name, s in res["sets"].items()
    ]
    m = res["mean"]
    rows.append(["**mean**", "", "", f3(m["tool_accuracy"]), f3(m["tool_recall"]), f3(m["full_em"]), f3(m["false_call_rate"]), ""])
    lines = [
        f"Backbone `{res['model']}`" + (f" + adapter `{res['adapter']}`" if res.get("adapter") else "") + f", {res['date']}. "
        "Held-out queries use phrasing templates the training examples never use (and other values); "
        "unrelated queries need no tool. Through `learn-tool` and `eval --json` with their defaults.",
        "",
        md_table(["set", "tools", "train ex.", "tool acc.", "tool recall", "full EM", "false calls (unrelated)", "learn s"], rows),
        "",
        "Tool accuracy by held-out phrasing style (mean over sets): "
        + ", ".join(f"{k} {f3(v)}" for k, v in res["by_style"].items()) + ".",
    ]
    if res.get("catalog"):
        lines += ["", f"Shipped catalog bank: false calls on the unrelated queries {f3(res['catalog']['false_call_rate'])} "
                  f"({res['catalog']['unrelated_n']} queries)."]
    t = res["targets"]
    lines += ["", f"Targets (issue 20): tool accuracy >= {t['tool_accuracy']}, full EM >= {t['full_em']}, "
              f"false calls <= {t['false_call_rate']} with recall >= {t['tool_recall']}.", ""]
    return "\n".join(lines)


def render_learn_one_tool(res: Mapping[str, Any]) -> str:
    """learn_one_tool.py's results: learn-tool's time, the new tool's accuracy, the others' before and after."""
    rows = [
        ("new tool, held-out phrasings", res["new_tool"]),
        ("bank's own single calls, before", res["others_before"]),
        ("bank's own single calls, after", res["others_after"]),
    ]
    table = md_table(["queries", "n", "tool accuracy", "tool-F1", "full EM", "prompt tokens"],
                     [(k, v["n"], f3(v["sequence_acc"]), f3(v["tool_f1"]), f3(v["full_em"]), f"{v['prompt_tokens_per_query']:.1f}"
                       if v.get("prompt_tokens_per_query") is not None else "-") for k, v in rows])
    train = res.get("train_seconds")
    return (
        f"`learn-tool` of one new tool (`{res['tool']}`, {res['tool_examples']} examples) into the {res['tools_before']}-tool bank: "
        f"**{res['learn_wall_seconds']:.1f} s** wall (backbone load included; {train:.1f} s training on "
        f"{res['train_examples']} examples x {res['epochs']} epochs; target <= {res['target_seconds']:.0f} s). Model {res['model']}, adapter {res['adapter']}; "
        f"{res['date']}; `{res['command']}`.\n\n{table}\n"
    )


def render_serving(res: Mapping[str, Any]) -> str:
    """serving.py's results: queries/s, latency and exact calls of each decoder at each batch size."""
    rows = [[r["decoder"], r["batch"], f"{r['queries_per_s']:.2f}", f"{r['mean_latency_s']:.2f}", f3(r["exact"])] for r in res["rows"]]
    by = {(r["decoder"], r["batch"]): r["queries_per_s"] for r in res["rows"]}
    ratios = [f"batch {b}: {by[('vllm-cpu', b)] / by[('in-process', b)]:.1f}x" for d, b in by if d == "in-process" and ("vllm-cpu", b) in by]
    lines = [
        f"Backbone `{res['model']}`" + (f" + adapter `{res['adapter']}`" if res.get("adapter") else "")
        + f", weights {res['settings']['dtype']}, {res['queries']} queries of `tools/eval`, {res['date']}. Both greedy, copy bias 0, "
        "the argmax call rule; vLLM's offline `LLM` on the exported checkpoint under `tools.lark` (guidance backend). "
        "Latency is the wall time of the batch a query was in.",
        "",
        md_table(["decoder", "batch", "queries/s", "mean latency s", "exact calls"], rows),
        "",
        "vLLM / in-process queries per second: " + ", ".join(ratios) + ".",
        "",
    ]
    return "\n".join(lines)

