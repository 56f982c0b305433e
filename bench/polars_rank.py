#!/usr/bin/env python3
"""City ranking (count, share) computed by polars, for comparison with tally.

    polars_rank.py --works 'DIR/works/part_*.jsonl.gz' --institutions institutions.jsonl \
                   --sources journals.txt --threads 2 --out out/polars.csv

Same semantics as duckdb_rank.py (see there). Works are read with
scan_ndjson and an explicit schema holding only the fields used; the whole
computation is one lazy query. --threads sets POLARS_MAX_THREADS (read when
polars is imported, so the import happens after argument parsing).
"""

import os
import sys
import time

from common import OPENALEX, parse_args, read_sources, write_csv


def main() -> None:
    args = parse_args("polars")
    os.environ["POLARS_MAX_THREADS"] = str(int(args.threads))
    import polars as pl

    t0 = time.perf_counter()
    sources = read_sources(args.sources)
    source_keys = sources + [OPENALEX + s for s in sources]

    # Only the fields the ranking needs; other fields (also inside the
    # structs) are skipped by the reader.
    work_schema = {
        "id": pl.String,
        "type": pl.String,
        "primary_location": pl.Struct({"source": pl.Struct({"id": pl.String})}),
        "authorships": pl.List(pl.Struct({"institutions": pl.List(pl.Struct({"id": pl.String}))})),
    }
    inst_schema = {
        "id": pl.String,
        "country_code": pl.String,
        "geo": pl.Struct({"geonames_city_id": pl.String, "city": pl.String, "country_code": pl.String}),
    }

    def clean(e: "pl.Expr") -> "pl.Expr":
        e = e.str.strip_chars()
        return pl.when(e != "").then(e)

    # Institution -> city: the GeoNames id, else '<city name>|<country code>'
    # (as tally does, DESIGN.md section 1); keyed by the full and the short id.
    geo = pl.col("geo").struct
    inst = (
        pl.scan_ndjson(args.institutions, schema=inst_schema)
        .select(
            short=pl.col("id").str.strip_chars().str.strip_prefix(OPENALEX),
            city=pl.coalesce(
                clean(geo.field("geonames_city_id")),
                clean(geo.field("city"))
                + pl.lit("|")
                + pl.coalesce(clean(geo.field("country_code")), clean(pl.col("country_code")), pl.lit(""))
                .str.to_uppercase(),
            ),
        )
        .filter(pl.col("short").is_not_null() & (pl.col("short") != "") & pl.col("city").is_not_null())
    )
    inst = (
        pl.concat([
            inst.select(key=pl.col("short"), city="city"),
            inst.select(key=pl.lit(OPENALEX) + pl.col("short"), city="city"),
        ])
        .group_by("key")
        .agg(pl.col("city").min())
    )

    works = (
        pl.scan_ndjson(args.works, schema=work_schema)
        .filter(
            pl.col("type").is_in(["article", "journal-article"])
            & pl.col("primary_location").struct.field("source").struct.field("id").is_in(source_keys)
        )
        .select(wid="id", a="authorships")
    )
    # One row per authorship: n, position, distinct institution ids.
    au = (
        works.with_columns(n=pl.col("a").list.len(), pos=pl.int_ranges(pl.col("a").list.len()))
        .explode("a", "pos")
        .select(
            "wid", "n", "pos",
            ids=pl.col("a").struct.field("institutions")
            .list.eval(pl.element().struct.field("id").drop_nulls().unique()),
        )
    )
    # One row per slot; unique() drops repeated copies of the same work.
    slots = (
        au.with_columns(k=pl.col("ids").list.len())
        .explode("ids")
        .filter(pl.col("ids").is_not_null())
        .unique(["wid", "pos", "ids"])
    )
    ranking = (
        slots.join(inst, left_on="ids", right_on="key", how="inner")
        .group_by("wid", "city")
        .agg(part=(1.0 / (pl.col("n") * pl.col("k")).cast(pl.Float64)).sum())
        .group_by("city")
        .agg(count=pl.len(), share=pl.col("part").sum().round(6, mode="half_away_from_zero"))
        .sort(["share", "count", "city"], descending=[True, True, False])
        .with_columns(rank=pl.col("share").rank(method="min", descending=True))
        .select("rank", "city", "count", "share")
    )
    df = ranking.collect()
    n = write_csv(args.out, df.iter_rows())
    print(f"polars {pl.__version__}: {n} cities, {time.perf_counter() - t0:.2f} s, "
          f"{args.threads} threads -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
