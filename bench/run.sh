#!/usr/bin/env bash
# tally against DuckDB and polars on the same synthetic OpenAlex files, for
# the same city ranking (count + share, types article, the 82-journal list,
# all years), plain (16 files), gzipped in 16 parts (gz) and gzipped as one
# file (gz1); checks that the three outputs agree and that
# tally's output is byte-identical with one thread and with all; prints wall
# time, CPU time and peak RSS of each, and the ratios.
#
#   bench/run.sh                  # 100,000 and 1,000,000 works
#   bench/run.sh 100000           # one size
#   POLARS=0 bench/run.sh         # leave polars out (it needs ~15 GB at 1M)
#   ROUNDS=5 bench/run.sh         # rounds per tally and DuckDB run (default 3)
#   KINDS="gz gz1" bench/run.sh   # some of the input kinds (plain gz gz1)
#
# Data goes to bench/out/ (about 17 GB at 1M works); DuckDB and polars are
# installed into bench/.venv from bench/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
threads=$(nproc)
out=bench/out; mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release --quiet
tally=target/release/tally
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet -r bench/requirements.txt
fi
py=bench/.venv/bin/python

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB; tally $($tally --version | cut -d' ' -f2)"

# run TOOL N KIND THREADS CMD...: times CMD $ROUNDS times (polars and zcat
# once: they are slow and not what is being tuned); prints the fastest
# round's wall and CPU time and the largest peak RSS of all rounds, and
# appends "TOOL N KIND THREADS wall cpu rss_kb" to $out/times. The machine
# is shared: a single round can land in a slow spell, for any tool.
rounds=${ROUNDS:-3}
run() {
  local tool=$1 n=$2 kind=$3 th=$4; shift 4
  local k=$rounds best="" rss_max=0
  case $tool in polars|zcat) k=1 ;; esac
  for _ in $(seq "$k"); do
    /usr/bin/time -f "%e %U %S %M" -o "$out/time.tmp" "$@" >/dev/null 2>"$out/err.tmp" || { cat "$out/err.tmp"; exit 1; }
    read -r wall user sys rss < "$out/time.tmp"
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $wall < ${best%% *})"; then
      best="$wall $(python3 -c "print(round($user + $sys, 2))")"
    fi
  done
  read -r wall cpu <<< "$best"
  printf '%-8s %8s works %-5s %2s thr %8.2f s wall %8.2f s cpu %8d MB peak RSS  (best of %d)\n' "$tool" "$n" "$kind" "$th" "$wall" "$cpu" $((rss_max / 1024)) "$k"
  echo "$tool $n $kind $th $wall $cpu $rss_max" >> "$out/times"
}

: > "$out/times"
for n in "${sizes[@]}"; do
  for kind in ${KINDS:-plain gz gz1}; do
    dir=$out/data-$n-$kind
    if [ ! -f "$dir/journals.txt" ]; then
      case $kind in
        plain) flag="--files 16" ;;
        gz) flag="--files 16 --gzip" ;;
        gz1) flag="--files 1 --gzip" ;;
      esac
      $tally gen --works "$n" --seed 1 --out "$dir" $flag
    fi
    ext=jsonl; [ $kind != plain ] && ext=jsonl.gz
    echo "== $n works, $kind ($(du -sh "$dir/works" | cut -f1))"
    # Every tool reads from memory: drop the other data sets from the page
    # cache (so that this one fits whole and no pass evicts what the next
    # needs), then warm it.
    python3 - "$out" "$dir" <<'PY'
import os, sys
out, keep = sys.argv[1], os.path.realpath(sys.argv[2])
for d in os.listdir(out):
    p = os.path.realpath(os.path.join(out, d, "works"))
    if d.startswith("data-") and os.path.isdir(p) and not p.startswith(keep):
        for f in os.listdir(p):
            fd = os.open(os.path.join(p, f), os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
PY
    cat "$dir"/works/* > /dev/null
    args=(rank --works "$dir/works" --institutions "$dir/institutions.jsonl" --sources "$dir/journals.txt" --format csv -q)
    run tally "$n" $kind "$threads" $tally "${args[@]}" -o "$out/tally-$n-$kind.csv"
    run tally "$n" $kind 1 $tally "${args[@]}" --threads 1 -o "$out/tally1-$n-$kind.csv"
    cmp -s "$out/tally-$n-$kind.csv" "$out/tally1-$n-$kind.csv" || { echo "tally output differs between 1 and $threads threads"; exit 1; }
    py_args=(--works "$dir/works/part_*.$ext" --institutions "$dir/institutions.jsonl" --sources "$dir/journals.txt" --threads "$threads")
    run duckdb "$n" $kind "$threads" $py bench/duckdb_rank.py "${py_args[@]}" --out "$out/duckdb-$n-$kind.csv"
    outputs=("$out/tally-$n-$kind.csv" "$out/duckdb-$n-$kind.csv")
    if [ "${POLARS:-1}" != 0 ]; then
      run polars "$n" $kind "$threads" $py bench/polars_rank.py "${py_args[@]}" --out "$out/polars-$n-$kind.csv"
      outputs+=("$out/polars-$n-$kind.csv")
    fi
    $py bench/compare.py "${outputs[@]}"
    if [ $kind != plain ]; then
      run zcat "$n" $kind 1 sh -c "zcat $dir/works/*.gz"
    fi
  done
done

echo "== ratios (tally with all threads)"
python3 - "$out/times" "$threads" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
t = {(r[0], r[1], r[2], r[3]): (float(r[4]), float(r[5]), int(r[6])) for r in rows}
th = sys.argv[2]
for (tool, n, kind, thr), (wall, cpu, rss) in sorted(t.items()):
    if tool != "tally" or thr != th:
        continue
    d = t.get(("duckdb", n, kind, th))
    if d:
        print(f"{n:>8} {kind:5}: DuckDB/tally time {d[0] / wall:5.2f}x   tally/DuckDB peak RSS {rss / d[2]:5.2f}")
    p = t.get(("polars", n, kind, th))
    if p:
        print(f"{n:>8} {kind:5}: polars/tally time {p[0] / wall:5.2f}x   tally/polars peak RSS {rss / p[2]:5.2f}")
    z = t.get(("zcat", n, kind, "1"))
    if z:
        print(f"{n:>8} {kind:5}: tally / zcat (1 thread, decompress only) time {wall / z[0]:5.2f}")
sizes = sorted({int(k[1]) for k in t if k[0] == "tally"})
if len(sizes) > 1:
    a, b = str(sizes[0]), str(sizes[-1])
    for kind in ("plain", "gz", "gz1"):
        x, y = t.get(("tally", a, kind, th)), t.get(("tally", b, kind, th))
        if x and y:
            print(f"tally {kind}: peak RSS {b} / {a} works = {y[2] / x[2]:.2f}; time per work {b} / {a} = {(y[0] / int(b)) / (x[0] / int(a)):.2f}")
PY
