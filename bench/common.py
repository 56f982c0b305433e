"""Shared CLI and output code for duckdb_rank.py and polars_rank.py.

Only argument parsing, the journal-list reader and CSV writing live here; the
ranking itself is computed by each engine.
"""

import argparse
import csv
import os
import sys

OPENALEX = "https://openalex.org/"


def parse_args(engine: str, extra=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=f"City ranking (count, share; Nature Index definitions) with {engine}, "
        "for comparison with tally. All years; types article and journal-article."
    )
    p.add_argument("--works", required=True, help="glob of OpenAlex works files (JSON Lines, .gz too)")
    p.add_argument("--institutions", required=True, help="OpenAlex institution entities (JSON Lines, .gz too)")
    p.add_argument("--sources", required=True, help="journal list: one OpenAlex source id per line, '#' comments")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", required=True, help="output CSV: rank,entity_id,count,share")
    if extra:
        extra(p)
    return p.parse_args()


def read_sources(path: str) -> list[str]:
    """Short source ids (S123) from the journal list. Lines that are not
    OpenAlex source ids (e.g. ISSNs) are skipped with a note on stderr."""
    ids, skipped = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.split("#", 1)[0].strip()
            if not s:
                continue
            if s.startswith(OPENALEX):
                s = s[len(OPENALEX):]
            if len(s) > 1 and s[0] in "sS" and s[1:].isdigit():
                ids.append("S" + s[1:])
            else:
                skipped += 1
    if skipped:
        print(f"{path}: skipped {skipped} entries that are not OpenAlex source ids", file=sys.stderr)
    if not ids:
        sys.exit(f"{path}: no OpenAlex source ids")
    return sorted(set(ids))


def write_csv(path: str, rows) -> int:
    """rows: (rank, entity_id, count, share) with share already rounded to 6
    decimals and rows already in ranking order."""
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    n = 0
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["rank", "entity_id", "count", "share"])
        for rank, eid, count, share in rows:
            w.writerow([rank, eid, count, f"{share:.6f}"])
            n += 1
    os.replace(tmp, path)
    return n
