#!/usr/bin/env bash
# The skimmer alone (bench/skim): microseconds per work on the first WORKS
# (default 3000) lines of FILE (default: the first part of the 100k plain
# set that bench/run.sh generates).
set -euo pipefail
cd "$(dirname "$0")"
file=${1:-out/data-100000-plain/works/part_000.jsonl}
file=$(realpath "$file")
cd skim && cargo run --release --quiet -- "$file" "${2:-3000}"
