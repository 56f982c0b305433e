#!/usr/bin/env bash
# What calling tally from Python costs over the command line:
#   bench/python.sh [N] [LEVEL]    (default 100000 institution)
# Needs the data bench/run.sh generates (bench/out/data-N-plain) and a
# Python with the module installed (PYTHON, default python3; build it with
# `maturin build --release` in bindings/python and pip install the wheel).
# Runs, in alternation, ROUNDS times (default 5):
#   tally rank --format csv > /dev/null                        (wall time)
#   tally.rank(...) in a Python process, call to DataFrame     (perf_counter)
# and prints the best of each and their ratio. The Python figure leaves
# out the interpreter's start and `import pandas, pyarrow` (paid once per
# session: about 0.4 s on the first call that needs them).
set -euo pipefail
n=${1:-100000}
level=${2:-institution}
rounds=${ROUNDS:-5}
py=${PYTHON:-python3}
dir=bench/out/data-$n-plain
[ -d "$dir/works" ] || { echo "no $dir: run bench/run.sh $n first" >&2; exit 1; }
cargo build --release --quiet
tally=${CARGO_TARGET_DIR:-target}/release/tally
args=(--works "$dir/works" --institutions "$dir/institutions.jsonl" --sources "$dir/journals.txt" --level "$level")
cli=(); pys=()
for r in $(seq "$rounds"); do
  s=$(date +%s.%N); "$tally" rank "${args[@]}" --format csv -q > /dev/null; e=$(date +%s.%N)
  cli+=("$(python3 -c "print($e - $s)")")
  pys+=("$("$py" - "$dir" "$level" <<'PY'
import sys, time, tally
import pandas, pyarrow, pyarrow.csv  # paid once per session, left out
d, level = sys.argv[1], sys.argv[2]
t = time.perf_counter()
r = tally.rank(works=f"{d}/works", institutions=f"{d}/institutions.jsonl", sources=f"{d}/journals.txt", level=level)
print(f"{time.perf_counter() - t:.3f} {len(r.table)}")
PY
)")
done
pyt=$(printf '%s\n' "${pys[@]}" | sort -n | head -1)
best_cli=$(printf '%s\n' "${cli[@]}" | sort -n | head -1)
read -r best_py rows <<< "$pyt"
echo "$n works, $level level ($rows rows), best of $rounds:"
echo "  tally rank --format csv:  $(printf %.3f "$best_cli") s"
echo "  tally.rank() to pandas:   $best_py s"
python3 -c "print(f'  Python / CLI: {$best_py / $best_cli:.3f}')"
