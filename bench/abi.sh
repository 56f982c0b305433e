#!/usr/bin/env bash
# The share scorer built in vs. loaded as a plugin through the C ABI.
# Builds plugins/share as a release cdylib (with its `export` feature, in its
# own target folder), then runs benches/abi.rs against that library.
# Usage: bench/abi.sh [articles]   (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
target=target/plugin-bench
cargo build --release --quiet -p tally-share --features tally-share/export --target-dir "$target"
lib="$target/release/$(python3 -c 'import sys; print({"darwin": "libtally_share.dylib", "win32": "tally_share.dll"}.get(sys.platform, "libtally_share.so"))')"
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
TALLY_SHARE_LIB="$lib" TALLY_BENCH_ARTICLES="${1:-1000000}" cargo bench --quiet --bench abi
