"""Rewrite the auxiliary corpus shipped in tokmem_agents/data/auxiliary/ (backbone adaptation data).

Usage: python scripts/make_auxiliary_corpus.py [output_dir]
The corpus is generate_corpus() with its defaults; a test checks the shipped files still equal it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.auxiliary import DEFAULT_DIR, generate_corpus, write_corpus  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    corpus = generate_corpus()
    write_corpus(corpus, out)
    sys.stdout.write(
        f"{out}: {len(corpus.specs)} tools, {len(corpus.examples)} single-call, "
        f"{len(corpus.compositional)} multi-call, {len(corpus.notool)} no-tool examples\n"
    )


if __name__ == "__main__":
    main()
