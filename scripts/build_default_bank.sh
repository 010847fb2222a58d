#!/usr/bin/env bash
# Rebuild the catalog bank shipped in tokmem_agents/data/default_bank on the embedded model with its
# default adapter (tokmem_agents/data/adapters/defaults.json; a new bank picks it up by itself).
# Usage: scripts/build_default_bank.sh [extra learn-tool options]
set -euo pipefail
cd "$(dirname "$0")/.."
out=tokmem_agents/data/default_bank
tmp=$(mktemp -d)
tokmem-agent learn-tool tools/*.json --data tools/compositional.jsonl --bank "$tmp/bank" --epochs 5 --lr 2e-2 --synthesize 0 "$@"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -r "$tmp/bank" "$out"
rm -rf "$tmp"
for s in single multi notool; do tokmem-agent eval "tools/eval/$s.jsonl" --bank "$out" --json; done
