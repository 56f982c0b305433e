#!/usr/bin/env bash
# Parsing one synthetic OpenAlex work: tally's scanner vs serde_json, sonic-rs
# and simd-json (bench/parsers, its own workspace, so that tally does not
# depend on them). Built for this CPU (-C target-cpu=native), since sonic-rs
# and simd-json choose their SIMD code at compile time. Prints per-work times.
set -euo pipefail
cd "$(dirname "$0")/parsers"
RUSTFLAGS="-C target-cpu=native" cargo run --release --quiet
