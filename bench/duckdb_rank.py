#!/usr/bin/env python3
"""City ranking (count, share) computed by DuckDB, for comparison with tally.

    duckdb_rank.py --works 'DIR/works/part_*.jsonl.gz' --institutions institutions.jsonl \
                   --sources journals.txt --threads 2 --out out/duckdb.csv

Works: JSON Lines (plain or .gz), only the fields used are read (an explicit
column spec, so no type inference over the big files). Included: type
article or journal-article, primary_location.source.id in the journal list,
all years. A work id seen more than once counts once (the copies are assumed
identical, as they are when users concatenate overlapping exports).

count: distinct works on which the city appears. share: each of the n
authorships (all of them) gets 1/n, split over its k distinct institution
ids; each part goes to the institution's city: geo.geonames_city_id, or
where only geo.city is given '<city>|<country code>' (as tally does, DESIGN.md
section 1); institutions not in the file or without a city are unassigned
(dropped).
"""

import sys
import time

import duckdb

from common import OPENALEX, parse_args, read_sources, write_csv

# Only the fields the ranking needs. Unlisted fields of the records (and of
# the nested structs) are skipped by the reader.
WORK_COLUMNS = {
    "id": "VARCHAR",
    "type": "VARCHAR",
    "primary_location": "STRUCT(source STRUCT(id VARCHAR))",
    "authorships": "STRUCT(institutions STRUCT(id VARCHAR)[])[]",
}
INSTITUTION_COLUMNS = {
    "id": "VARCHAR",
    "country_code": "VARCHAR",
    "geo": "STRUCT(geonames_city_id VARCHAR, city VARCHAR, country_code VARCHAR)",
}
# Largest JSON record DuckDB accepts (its default, 16 MB). Collaboration
# papers with thousands of authors can be bigger; DuckDB then stops with an
# error naming maximum_object_size: rerun with --max-object-mb. Raising it
# costs memory (per-thread buffers): 100k works, 2 threads: about 370 MB at
# 16, 510 MB at 64, 630 MB at 256.
MAX_OBJECT_MB = 16


def columns_sql(cols: dict) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in cols.items()) + "}"


def reader(path_param: str, cols: dict, max_object_mb: int = MAX_OBJECT_MB) -> str:
    return (
        f"read_json({path_param}, format = 'newline_delimited', records = true, "
        f"columns = {columns_sql(cols)}, compression = 'auto_detect', "
        f"maximum_object_size = {int(max_object_mb) * 1024 * 1024})"
    )


QUERY = """
WITH
w AS (
    SELECT id AS wid, authorships AS a
    FROM {works}
    WHERE "type" IN ('article', 'journal-article')
      AND primary_location.source.id IN (SELECT sid FROM src)
),
-- one row per authorship: its position, n, and its distinct institution ids
au AS (
    SELECT wid, len(a) AS n,
           unnest(list_transform(a, lambda x, i: {{
               'pos': i,
               'ids': list_distinct(list_transform(x.institutions, lambda y: y.id))
           }})) AS s
    FROM w
),
-- one row per slot (authorship x distinct institution); DISTINCT drops
-- repeated copies of the same work
slots AS (
    SELECT DISTINCT wid, n, s.pos AS pos, len(s.ids) AS k, unnest(s.ids) AS iid
    FROM au
),
-- per work and city: the city's share of the work
wc AS (
    SELECT sl.wid, ic.city, sum(1.0::DOUBLE / (sl.n * sl.k)) AS part
    FROM slots sl JOIN inst ic ON ic.key = sl.iid
    GROUP BY sl.wid, ic.city
),
c AS (
    SELECT city, count(*) AS cnt, round(sum(part), 6) AS share
    FROM wc GROUP BY city
)
SELECT rank() OVER (ORDER BY share DESC) AS rank, city, cnt, share
FROM c
ORDER BY share DESC, cnt DESC, city ASC
"""


def main() -> None:
    args = parse_args("DuckDB", lambda p: p.add_argument(
        "--max-object-mb", type=int, default=MAX_OBJECT_MB,
        help=f"largest JSON record in MB (DuckDB maximum_object_size; default {MAX_OBJECT_MB})"))
    t0 = time.perf_counter()
    sources = read_sources(args.sources)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    con.execute("SET preserve_insertion_order = false")
    # Both spellings of every listed source id, so the works' ids need no rewriting.
    con.execute(
        "CREATE TEMP TABLE src AS SELECT DISTINCT unnest($ids) AS sid",
        {"ids": sources + [OPENALEX + s for s in sources]},
    )
    # Institution -> city, keyed by the full and the short id.
    con.execute(
        f"""
        CREATE TEMP TABLE inst AS
        WITH r AS (
            SELECT replace(trim(id), '{OPENALEX}', '') AS short,
                   nullif(trim(geo.geonames_city_id), '') AS city_id,
                   nullif(trim(geo.city), '') AS city_name,
                   upper(coalesce(nullif(trim(geo.country_code), ''),
                                  nullif(trim(country_code), ''), '')) AS cc
            FROM {reader('$path', INSTITUTION_COLUMNS, args.max_object_mb)}
        ),
        -- the GeoNames id, else '<city name>|<country code>' (DESIGN.md 1)
        i AS (
            SELECT short, coalesce(city_id, city_name || '|' || cc) AS city
            FROM r WHERE short IS NOT NULL AND short <> ''
              AND coalesce(city_id, city_name) IS NOT NULL
        ),
        k AS (SELECT short AS key, city FROM i
              UNION ALL SELECT '{OPENALEX}' || short, city FROM i)
        SELECT key, min(city) AS city FROM k GROUP BY key
        """,
        {"path": args.institutions},
    )
    query = QUERY.format(works=reader("$works", WORK_COLUMNS, args.max_object_mb))
    rows = con.execute(query, {"works": args.works}).fetchall()
    n = write_csv(args.out, rows)
    print(f"duckdb {duckdb.__version__}: {n} cities, {time.perf_counter() - t0:.2f} s, "
          f"{args.threads} threads -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
