#!/usr/bin/env bash
# Seeds the fuzz corpus with real records (../shared/data, when present),
# synthetic works (tally gen) and the worked example, one work per file.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus/skim
mkdir -p "$corpus"
split_lines() { # FILE PREFIX
  python3 - "$1" "$2" "$corpus" <<'PY'
import gzip, sys, os
path, prefix, out = sys.argv[1:]
op = gzip.open if path.endswith(".gz") else open
with op(path, "rb") as f:
    for i, line in enumerate(f):
        line = line.rstrip(b"\n")
        if line:
            open(os.path.join(out, f"{prefix}-{i:05}"), "wb").write(line)
PY
}
split_lines crates/testkit/fixtures/design/works.jsonl design
if [ -f ../shared/data/openalex/works.jsonl.gz ]; then
  split_lines ../shared/data/openalex/works.jsonl.gz real
else
  echo "../shared/data is absent: no real records in the corpus"
fi
tmp=$(mktemp -d)
cargo run --release --quiet -- gen --works 300 --seed 5 --files 1 --out "$tmp"
split_lines "$tmp"/works/part_000.jsonl synth
rm -rf "$tmp"
echo "$(ls "$corpus" | wc -l) seeds in $corpus"
