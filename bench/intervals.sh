#!/usr/bin/env bash
# What stability intervals cost over a plain ranking on the benchmark set:
#   bench/intervals.sh [N] [KIND] [RESAMPLES]   (default 1000000 plain 1000)
# Needs the data bench/run.sh generates (bench/out/data-N-KIND). Runs, in
# alternation, ROUNDS times (default 3), at city level for 2022 (YEARS):
#   tally rank
#   tally rank --intervals --resamples RESAMPLES
# and prints the best wall time and peak RSS of each and their ratio.
# YEARS=all counts every year (8 in the generated data) instead of 2022.
set -euo pipefail
n=${1:-1000000}
kind=${2:-plain}
resamples=${3:-1000}
rounds=${ROUNDS:-3}
years=${YEARS:-2022}
dir=bench/out/data-$n-$kind
[ -d "$dir/works" ] || { echo "no $dir: run bench/run.sh $n first" >&2; exit 1; }
cargo build --release --quiet
tally=${CARGO_TARGET_DIR:-target}/release/tally
common=(rank --works "$dir/works" --institutions "$dir/institutions.jsonl" --sources "$dir/journals.txt" --level city --years "$years" --format csv -q)
times=bench/out/intervals-times
: > "$times"
for r in $(seq "$rounds"); do
  for what in plain intervals; do
    extra=()
    [ $what = intervals ] && extra=(--intervals --resamples "$resamples")
    /usr/bin/time -f "%e %M" -o bench/out/intervals-time.tmp "$tally" "${common[@]}" "${extra[@]}" > bench/out/intervals-$what.csv
    echo "$what $(cat bench/out/intervals-time.tmp)" >> "$times"
  done
done
best() { awk -v w="$1" '$1==w{print $2}' "$times" | sort -n | head -1; }
rss() { awk -v w="$1" '$1==w{print $3}' "$times" | sort -n | tail -1; }
echo "$n works ($kind), city level, years $years, best of $rounds, $(nproc) cores; $(($(wc -l < bench/out/intervals-plain.csv) - 1)) cities:"
echo "  tally rank:                                $(best plain) s, peak RSS $(($(rss plain) / 1024)) MB"
echo "  tally rank --intervals --resamples $resamples: $(best intervals) s, peak RSS $(($(rss intervals) / 1024)) MB"
python3 -c "print(f'  intervals / plain: {$(best intervals) / $(best plain):.2f}')"
