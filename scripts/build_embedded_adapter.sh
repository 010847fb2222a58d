#!/usr/bin/env bash
# Train the embedded model's adapter ("TokMem w/ adapt") on the shipped auxiliary corpus and ship it:
# copies it into tokmem_agents/data/adapters/<id> and makes it the embedded model's default in
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
# the options of the shipped adapter cee07a98a75d452f (2026-12-04; 3,801 s training, peak RSS 5.4 GB);
# later options override them
TOKMEM_HOME="$home" tokmem-agent adapt --epochs 2 --paraphrases --negatives 400 --rank 16 --alpha 32 \
    --targets q_proj,k_proj,v_proj,o_proj "$@" | tee "$home/adapt.log"   # --debug: progress lines
id=$(sed -n 's/^adapter \([0-9a-f]\{16\}\):.*/\1/p' "$home/adapt.log")
mkdir -p tokmem_agents/data/adapters
rm -rf "tokmem_agents/data/adapters/$id"
cp -r "$home/models/adapters/$id" tokmem_agents/data/adapters/
chmod 644 tokmem_agents/data/adapters/"$id"/*
printf '{"embedded:SmolLM2-135M-Instruct": "%s"}\n' "$id" > tokmem_agents/data/adapters/defaults.json
echo "shipped adapter $id as the embedded model's default"
