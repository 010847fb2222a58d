#!/usr/bin/env bash
# Train the embedded model's adapter ("TokMem w/ adapt") on the shipped auxiliary corpus and ship it:
# rounds it to float16 into tokmem_agents/data/adapters/<id> and makes it the embedded model's default in
# defaults.json. Afterwards rebuild the catalog bank on it: scripts/build_default_bank.sh
# Usage: scripts/build_embedded_adapter.sh [extra adapt options]   (~64 min on a 2-core CPU, peak RSS 5.4 GB)
# The shipped adapter was trained with 2 threads (OMP_NUM_THREADS=2, the default here). Runs are not
# bit-identical (a rerun at 2 threads differed by 4.9% in the weights; other thread counts differ too),
# so a rebuild ships a new adapter id and the bank must be rebuilt on it.
set -euo pipefail
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
cd "$(dirname "$0")/.."
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# a private TOKMEM_HOME: the adapter is written to $home/models/adapters/<id>
# adapt's defaults (AdaptConfig) are the shipped adapter's recipe: cee07a98a75d452f, shipped in float16
# as 108713d5bd2fbbf5 (2026-12-04; 3,801 s training, peak RSS 5.4 GB): rank 16, alpha 32 on
# q/k/v/o_proj, 2 epochs, paraphrases, 400 negatives
TOKMEM_HOME="$home" tokmem-agent adapt "$@" | tee "$home/adapt.log"   # --debug: progress lines
id=$(sed -n 's/^adapter \([0-9a-f]\{16\}\):.*/\1/p' "$home/adapt.log")
[ -n "$id" ] || { echo "no adapter id in the output of tokmem-agent adapt" >&2; exit 1; }
shipped=$("${PYTHON:-python}" scripts/ship_adapter.py "$home/models/adapters/$id")   # float16 weights: a new id
echo "trained adapter $id, shipped as $shipped (the embedded model's default)"
