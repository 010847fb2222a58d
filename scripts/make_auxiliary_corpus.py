"""Rewrite the auxiliary corpus shipped in tokmem_agents/data/auxiliary/ (backbone adaptation data).

Usage: python scripts/make_auxiliary_corpus.py [--style {v1,v2}] [output_dir]
The corpus is generate_corpus() with its defaults (style v1, written to tokmem_agents/data/auxiliary/
when no output_dir is given); a test checks the shipped files still equal it.

``--style v2`` makes the candidate corpus for the next adapter (issue 20, lever 5): short unquoted
free texts before another argument, amounts before the object, short and lowercase queries, more
varied and multi-call paraphrases, a few clean-ups. It is not shipped - the shipped adapter was
trained on v1 - so it needs an output_dir and never overwrites the shipped files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.auxiliary import DEFAULT_DIR, generate_corpus, write_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("output_dir", nargs="?", type=Path, help=f"where to write the corpus (default {DEFAULT_DIR}, v1 only)")
    parser.add_argument("--style", choices=("v1", "v2"), default="v1", help="the corpus forms (default v1, the shipped corpus)")
    args = parser.parse_args(argv)
    if args.output_dir is None and args.style != "v1":
        parser.error(f"--style {args.style} is not shipped: give an output_dir")
    out = args.output_dir or DEFAULT_DIR
    corpus = generate_corpus(style=args.style)
    write_corpus(corpus, out)
    sys.stdout.write(
        f"{out}: style {args.style}, {len(corpus.specs)} tools, {len(corpus.examples)} single-call, "
        f"{len(corpus.compositional)} multi-call, {len(corpus.notool)} no-tool examples, "
        f"{len(corpus.paraphrases)} paraphrases\n"
    )


if __name__ == "__main__":
    main()
