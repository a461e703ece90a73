#!/usr/bin/env bash
# Runs a libFuzzer binary for a bounded number of inputs as a regression test, seeded with
# the given files (copied into a fresh corpus directory). Usage:
#   run_fuzzer.sh FUZZER WORKDIR RUNS [SEED...]
set -euo pipefail
fuzzer=$1 work=$2 runs=$3
shift 3
rm -rf "$work"
mkdir -p "$work/corpus"
for seed in "$@"; do
    [ -f "$seed" ] && cp "$seed" "$work/corpus/"
done
cd "$work"
exec "$fuzzer" -runs="$runs" -max_len=65536 -timeout=10 -print_final_stats=1 corpus
