"""tally in Python: research-output rankings (Nature Index style) as DataFrames.

The same engine as the ``tally`` command line, with the same numbers: every
table is the command line's CSV, read by a columnar reader (pyarrow, else
pandas' or polars' own CSV reader), never built row by row in Python.

    >>> import tally
    >>> r = tally.rank(config="config/demo.toml", level="city")
    >>> r.table.head()          # a pandas DataFrame (backend="polars" for polars)
    >>> r.ledger["included"]    # the data-quality ledger
    >>> r.provenance["works"]   # inputs with digests, scorers, config

Errors are ``tally.TallyError`` (subclasses ``InputError``, ``ConfigError``,
``ScorerError``, ``EmptyError``) with the command line's messages: a bad
input names its file, line and field.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._tally import ConfigError, EmptyError, InputError, ScorerError, TallyError
from ._tally import run as _run

__all__ = [
    "rank",
    "compare",
    "explain",
    "collab",
    "Config",
    "Result",
    "TallyError",
    "InputError",
    "ConfigError",
    "ScorerError",
    "EmptyError",
]

Years = Union[int, str, Tuple[int, int]]
PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class Result:
    """A table with the run's ledger and provenance."""

    table: Any
    """The DataFrame (pandas, or polars with ``backend="polars"``)."""
    ledger: Dict[str, Any]
    """The data-quality ledger: every work and unit of credit accounted for."""
    provenance: Dict[str, Any]
    """Inputs with digests, config, scorers with versions and parameters."""
    extra: Any = None
    """What the command adds (the story's sentences, an explained work)."""

    def __repr__(self) -> str:
        return f"tally.Result(table=\n{self.table!r}\n)"


@dataclass
class Config:
    """A tally TOML config (the project's presets in ``config/``)."""

    path: str
    options: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: PathLike) -> "Config":
        """A config file; it is read (and checked) when a function runs."""
        p = os.fspath(path)
        if not os.path.isfile(p):
            raise ConfigError(f"{p}: no such config file")
        return cls(path=p)


def _paths(v: Union[None, PathLike, Iterable[PathLike]]) -> List[str]:
    if v is None:
        return []
    if isinstance(v, (str, os.PathLike)):
        return [os.fspath(v)]
    return [os.fspath(x) for x in v]


def _years(v: Optional[Years]) -> Optional[str]:
    if v is None:
        return None
    if isinstance(v, tuple):
        return f"{v[0]}-{v[1]}"
    return str(v)


def _options(
    works=None,
    institutions=None,
    sources=None,
    types=None,
    years=None,
    level=None,
    scorers=None,
    by=None,
    top=None,
    params=None,
    threads=None,
    config=None,
    strict=None,
    allow_empty=None,
    keep_duplicates=None,
    metros=None,
    regions=None,
    group=None,
    intervals=None,
    resamples=None,
    seed=None,
) -> Dict[str, Any]:
    o: Dict[str, Any] = {}
    if isinstance(config, Config):
        config = config.path
    if config is not None:
        o["config"] = os.fspath(config)
    o["works"] = _paths(works)
    o["institutions"] = _paths(institutions)
    if sources is not None:
        o["sources"] = os.fspath(sources)
    if types is not None:
        o["types"] = types if isinstance(types, str) else ",".join(types)
    if years is not None:
        o["years"] = _years(years)
    if level is not None:
        o["level"] = level
    if scorers is not None:
        o["scorers"] = list(scorers)
    if by is not None:
        o["by"] = by
    if top is not None:
        o["top"] = int(top)
    if params:
        o["params"] = [f"{k}={v}" for k, v in params.items()]
    for k, v in [
        ("threads", threads),
        ("strict", strict),
        ("allow_empty", allow_empty),
        ("keep_duplicates", keep_duplicates),
        ("group", group),
        ("intervals", intervals),
        ("resamples", resamples),
        ("seed", seed),
    ]:
        if v is not None:
            o[k] = v
    for k, v in [("metros", metros), ("regions", regions)]:
        if v is not None:
            o[k] = os.fspath(v)
    return o


# Columns read as text whatever they hold (ids mix digits and letters).
_TEXT = {
    "entity_id",
    "entity_name",
    "country",
    "period",
    "work_id",
    "partner_id",
    "partner_name",
    "entity_a",
    "name_a",
    "entity_b",
    "name_b",
    "group_id",
    "group_name",
    "kind",
    "other_id",
    "other_name",
    "scorer_a",
    "scorer_b",
    "over",
}


def _frame(csv: str, backend: str):
    """The CSV as a DataFrame, by a columnar reader, ids as text."""
    data = csv.encode()
    header = csv.split("\n", 1)[0].split(",") if csv else []
    text = [h for h in header if h in _TEXT]
    if backend == "polars":
        import polars as pl

        return pl.read_csv(io.BytesIO(data), schema_overrides={h: pl.Utf8 for h in text})
    if backend != "pandas":
        raise ConfigError(f'backend="{backend}": expected "pandas" or "polars"')
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        import pandas as pd

        return pd.read_csv(io.BytesIO(data), dtype={h: "string" for h in text}, keep_default_na=False, na_values=[""])
    import pandas as pd

    table = pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in text}),
    )
    # Integer columns stay integers where a cell is empty (an entity absent
    # in a period): pandas' nullable Int64.
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _result(command: str, options: Dict[str, Any], backend: str) -> Result:
    csv, meta = _run(command, json.dumps(options))
    m = json.loads(meta)
    table = _frame(csv, backend) if csv else None
    if table is not None and backend == "pandas":
        table.attrs["ledger"] = m["ledger"]
        table.attrs["provenance"] = m["run"]
        table.attrs["rankings"] = m["rankings"]
    return Result(table=table, ledger=m["ledger"], provenance=m["run"], extra=m.get("extra"))


def rank(
    works: Union[None, PathLike, Sequence[PathLike]] = None,
    institutions: Union[None, PathLike, Sequence[PathLike]] = None,
    sources: Optional[PathLike] = None,
    types: Union[None, str, Sequence[str]] = None,
    years: Optional[Years] = None,
    level: Optional[str] = None,
    scorers: Optional[Sequence[str]] = None,
    by: Optional[str] = None,
    top: Optional[int] = None,
    params: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    config: Union[None, PathLike, Config] = None,
    *,
    intervals: Optional[bool] = None,
    resamples: Optional[int] = None,
    seed: Optional[int] = None,
    strict: Optional[bool] = None,
    allow_empty: Optional[bool] = None,
    keep_duplicates: Optional[bool] = None,
    metros: Optional[PathLike] = None,
    regions: Optional[PathLike] = None,
    backend: str = "pandas",
) -> Result:
    """Rank one level over one period, as ``tally rank`` does.

    The table has the CSV contract's columns (``rank, entity_id,
    entity_name``, one per scorer; with ``intervals=True`` also
    ``<scorer>_lo, <scorer>_hi, rank_lo, rank_hi``), then ``country`` (where
    the tables give one; several joined by ``;``) and ``period``.
    ``entity_id`` is text. ``years``: ``2022``, ``"2015-2022"``, ``(2015,
    2022)`` or ``"all"``. Values left out come from ``config``, else the
    command line's defaults (type article, all years, city level, count and
    share, by share).
    """
    o = _options(works, institutions, sources, types, years, level, scorers, by, top, params, threads, config,
                 strict, allow_empty, keep_duplicates, metros, regions, None, intervals, resamples, seed)
    return _result("rank", o, backend)


def compare(
    current: Years,
    previous: Years,
    works: Union[None, PathLike, Sequence[PathLike]] = None,
    institutions: Union[None, PathLike, Sequence[PathLike]] = None,
    sources: Optional[PathLike] = None,
    *,
    series: Sequence[Years] = (),
    show: str = "changes",
    top: Union[None, int, Sequence[int]] = None,
    group: Optional[str] = None,
    types: Union[None, str, Sequence[str]] = None,
    level: Optional[str] = None,
    scorers: Optional[Sequence[str]] = None,
    by: Optional[str] = None,
    params: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    config: Union[None, PathLike, Config] = None,
    metros: Optional[PathLike] = None,
    regions: Optional[PathLike] = None,
    backend: str = "pandas",
) -> Result:
    """Compare two periods in one pass, as ``tally compare`` does.

    ``show``: ``"changes"`` (ranks and scores now and before, the change in
    adjusted share), ``"methods"``, ``"agreement"``, ``"groups"`` (with
    ``group``), ``"movers"`` or ``"story"`` (sentences in ``Result.extra``,
    no table). ``top``: an N or several (``[50, 200]`` for groups).
    """
    o = _options(works, institutions, sources, types, None, level, scorers, by, None, params, threads, config,
                 None, None, None, metros, regions, group)
    o["current"] = _years(current)
    o["previous"] = _years(previous)
    o["series"] = [_years(y) for y in series]
    o["show"] = show
    if top is not None:
        o["tops"] = [int(top)] if isinstance(top, int) else [int(t) for t in top]
    return _result("compare", o, backend)


def explain(
    entity: Optional[str] = None,
    work: Optional[str] = None,
    works: Union[None, PathLike, Sequence[PathLike]] = None,
    institutions: Union[None, PathLike, Sequence[PathLike]] = None,
    sources: Optional[PathLike] = None,
    *,
    level: Optional[str] = None,
    years: Optional[Years] = None,
    top: Optional[int] = None,
    types: Union[None, str, Sequence[str]] = None,
    scorers: Optional[Sequence[str]] = None,
    config: Union[None, PathLike, Config] = None,
    backend: str = "pandas",
) -> Result:
    """The articles behind an entity's score (``entity=``), their totals
    checked against the ranking; or how one work's credit was split
    (``work=``, at one level: its credits per entity, and the slots in
    ``Result.extra``), as ``tally explain`` does."""
    o = _options(works, institutions, sources, types, years, level, scorers, config=config)
    if top is not None:
        o["top"] = int(top)
    if entity is not None:
        o["entity"] = entity
    if work is not None:
        o["work"] = work
    return _result("explain", o, backend)


def collab(
    works: Union[None, PathLike, Sequence[PathLike]] = None,
    institutions: Union[None, PathLike, Sequence[PathLike]] = None,
    sources: Optional[PathLike] = None,
    *,
    level: Optional[str] = None,
    years: Optional[Years] = None,
    entity: Optional[str] = None,
    top: Optional[int] = None,
    types: Union[None, str, Sequence[str]] = None,
    config: Union[None, PathLike, Config] = None,
    backend: str = "pandas",
) -> Result:
    """Collaboration pairs (both entities' shares on their joint articles),
    or one entity's partners, as ``tally collab`` does."""
    o = _options(works, institutions, sources, types, years, level, config=config)
    if top is not None:
        o["top"] = int(top)
    if entity is not None:
        o["entity"] = entity
    return _result("collab", o, backend)
