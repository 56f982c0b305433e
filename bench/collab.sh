#!/usr/bin/env bash
# What collaboration pairs cost on an article with thousands of authors:
#   bench/collab.sh [AUTHORS]      (default 3000)
# Writes one tidy-CSV work whose AUTHORS authors are each at an institution
# of their own (the worst case: AUTHORS x (AUTHORS - 1) / 2 pairs at
# institution level) and times `tally rank` and `tally collab` on it (best
# of 3), with their peak RSS; both print their first 20 rows (rank by
# default shows all; collab its top 20 pairs).
set -euo pipefail
authors=${1:-3000}
cargo build --release --quiet
tally=${CARGO_TARGET_DIR:-target}/release/tally
dir=bench/out/collab-$authors; mkdir -p "$dir"
python3 - "$authors" > "$dir/works.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("work_id,year,source_id,type,author_position,institution_id")
for a in range(1, n + 1):
    print(f"W1,2022,S1,article,{a},I{a}")
PY
args=(--works "$dir/works.csv" --sources all --level institution --format csv -q)
for what in rank collab; do
  best=""; rss=0
  for r in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$dir/time" "$tally" $what "${args[@]}" > "$dir/$what.csv"
    read -r t m < "$dir/time"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$authors authors, 1 work, institution level: tally $what: $best s, peak RSS $((rss / 1024)) MB, $(($(wc -l < "$dir/$what.csv") - 1)) rows"
done
