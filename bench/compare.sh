#!/usr/bin/env bash
# What `tally compare` costs over `tally rank` on the benchmark set:
#   bench/compare.sh [N] [KIND]     (default 1000000 plain; KIND: plain, gz, gz1)
# Needs the data bench/run.sh generates (bench/out/data-N-KIND). Runs, in
# alternation, ROUNDS times (default 3):
#   tally rank    --years 2022 --level city
#   tally compare --current 2022 --previous 2021 --level city
# (both read every work; compare ranks two periods in the same pass) and
# prints the best wall time and peak RSS of each and their ratio.
set -euo pipefail
n=${1:-1000000}
kind=${2:-plain}
rounds=${ROUNDS:-3}
dir=bench/out/data-$n-$kind
[ -d "$dir/works" ] || { echo "no $dir: run bench/run.sh $n first" >&2; exit 1; }
cargo build --release --quiet
tally=${CARGO_TARGET_DIR:-target}/release/tally
common=(--works "$dir/works" --institutions "$dir/institutions.jsonl" --sources "$dir/journals.txt" --level city -q)
best() { sort -n | head -1; }
: > bench/out/compare-times
for r in $(seq "$rounds"); do
  for what in rank compare; do
    if [ $what = rank ]; then
      args=(rank "${common[@]}" --years 2022 --format csv)
    else
      args=(compare "${common[@]}" --current 2022 --previous 2021 --format csv)
    fi
    /usr/bin/time -f "%e %M" -o bench/out/compare-time.tmp "$tally" "${args[@]}" > /dev/null
    echo "$what $(cat bench/out/compare-time.tmp)" >> bench/out/compare-times
  done
done
rank=$(awk '$1=="rank"{print $2}' bench/out/compare-times | best)
cmp=$(awk '$1=="compare"{print $2}' bench/out/compare-times | best)
rank_rss=$(awk '$1=="rank"{print $3}' bench/out/compare-times | sort -n | tail -1)
cmp_rss=$(awk '$1=="compare"{print $3}' bench/out/compare-times | sort -n | tail -1)
echo "$n works ($kind), best of $rounds, $(nproc) cores:"
echo "  tally rank    --years 2022:                  ${rank} s, peak RSS $((rank_rss / 1024)) MB"
echo "  tally compare --current 2022 --previous 2021: ${cmp} s, peak RSS $((cmp_rss / 1024)) MB"
python3 -c "print(f'  compare / rank: {$cmp / $rank:.3f}')"
