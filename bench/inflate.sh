#!/usr/bin/env bash
# Inflaters on the benchmark's gzipped works: zlib-rs (what tally uses),
# libdeflate and ISA-L, one thread each, best of 3 rounds (bench/inflate).
#
#   bench/inflate.sh [FILE.gz ...]   # default: 4 parts of bench/out/data-100000-gz
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nasm >/dev/null || { apt-get update -qq && apt-get install -y -qq nasm autoconf automake libtool >/dev/null; }
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(bench/out/data-100000-gz/works/part_00{0,1,2,3}.jsonl.gz)
fi
(cd bench/inflate && cargo build --release --quiet)
bench/inflate/target/release/tally-bench-inflate "${files[@]}"
