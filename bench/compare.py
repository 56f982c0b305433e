#!/usr/bin/env python3
"""Check that ranking CSVs agree.

    compare.py A.csv B.csv [C.csv ...]

Each file needs the columns rank, entity_id, count, share (others, such as
tally's entity_name, are ignored). Files agree when they have the same rows
in the same order with equal rank, entity_id and count, and share within
1e-6. Every file is compared with the first. Exit 0 printing
'agree: N rows', or exit 1 printing the first differences.
"""

import csv
import sys

TOL = 1e-6
SHOW = 10
NEEDED = ("rank", "entity_id", "count", "share")


def load(path: str) -> list[tuple]:
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        missing = [c for c in NEEDED if c not in (r.fieldnames or [])]
        if missing:
            sys.exit(f"{path}: missing column(s) {', '.join(missing)} (header {r.fieldnames})")
        rows = []
        for line, row in enumerate(r, start=2):
            try:
                rows.append((int(row["rank"]), row["entity_id"], int(row["count"]), float(row["share"])))
            except (TypeError, ValueError) as e:
                sys.exit(f"{path}:{line}: {e}")
        return rows


def fmt(row) -> str:
    return "-" if row is None else f"rank {row[0]}, {row[1]}, count {row[2]}, share {row[3]:.6f}"


def diff(a_path, a, b_path, b) -> list[str]:
    out = []
    if len(a) != len(b):
        out.append(f"{len(a)} rows in {a_path}, {len(b)} in {b_path}")
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        if x is None or y is None or x[:3] != y[:3] or abs(x[3] - y[3]) > TOL:
            out.append(f"row {i + 1}:\n  {a_path}: {fmt(x)}\n  {b_path}: {fmt(y)}")
            if len(out) > SHOW:
                out.append("...")
                break
    return out


def main() -> int:
    paths = sys.argv[1:]
    if len(paths) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    first = load(paths[0])
    bad = False
    for p in paths[1:]:
        d = diff(paths[0], first, p, load(p))
        if d:
            bad = True
            print(f"differ: {paths[0]} vs {p}")
            print("\n".join(d))
    if bad:
        return 1
    print(f"agree: {len(first)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
