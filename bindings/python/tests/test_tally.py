"""The Python module against the command line: the same numbers, exactly."""

import contextlib
import io
import json
import os
import subprocess
import threading

import pandas as pd
import pytest

import tally
from conftest import FIXTURE, ROOT, SHARED, cli_csv, worked

LEVELS = ["institution", "city", "country", "region", "parent", "metro"]
TEXT = {"entity_id": "string", "entity_name": "string"}


def inputs():
    return dict(
        works=FIXTURE / "works.jsonl",
        institutions=FIXTURE / "institutions.jsonl",
        sources=FIXTURE / "journals.txt",
    )


def contract(df: pd.DataFrame, csv: str) -> None:
    """The DataFrame's contract columns equal the CLI's CSV, value by value."""
    cli = pd.read_csv(io.StringIO(csv), dtype={"entity_id": str, "entity_name": str}, keep_default_na=False)
    cols = list(cli.columns)
    got = df[cols].reset_index(drop=True)
    assert list(got["entity_id"].astype(str)) == list(cli["entity_id"])
    assert list(got["entity_name"].astype(str)) == list(cli["entity_name"])
    for c in cols:
        if c in ("entity_id", "entity_name"):
            continue
        assert list(got[c]) == list(cli[c]), c


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("years", ["2022", "2021", "all"])
def test_rank_equals_the_command_line_on_the_worked_example(tally_bin, level, years):
    r = tally.rank(**inputs(), level=level, years=years)
    contract(r.table, cli_csv(tally_bin, "rank", *worked(), "--level", level, "--years", years, "--format", "csv"))
    assert set(r.table["period"]) == {years}
    assert r.ledger["included"] == r.table.attrs["ledger"]["included"]


def test_typed_extras_and_backends():
    r = tally.rank(**inputs(), level="city", years=2022)
    t = r.table
    assert list(t.columns) == ["rank", "entity_id", "entity_name", "count", "share", "country", "period"]
    assert list(t["country"]) == ["CN", "GB", "US", "CN"]
    assert t["share"].iloc[0] == 0.708333
    assert str(t["entity_id"].dtype) in ("object", "string", "str")
    p = tally.rank(**inputs(), level="city", years=2022, backend="polars").table
    assert p["entity_id"].to_list() == list(t["entity_id"])
    assert p["share"].to_list() == list(t["share"])
    assert r.provenance["generator"].startswith("tally ")
    # Heidelberg|DE-style ids and numeric ids stay text.
    demo = tally.rank(config=ROOT / "config/demo.toml", level="city", top=0).table
    assert "Heidelberg|DE" in set(demo["entity_id"])


def test_config_from_toml_uses_the_presets():
    cfg = tally.Config.from_toml(ROOT / "config/demo.toml")
    a = tally.rank(config=cfg).table
    b = tally.rank(config=str(ROOT / "config/demo.toml")).table
    assert a.equals(b)
    assert len(a) == 20  # the preset's top
    with pytest.raises(tally.ConfigError):
        tally.Config.from_toml("no/such.toml")


def test_compare_explain_collab_equal_the_command_line(tally_bin):
    base = worked()
    c = tally.compare(2022, 2021, **inputs(), level="city").table
    cli = cli_csv(tally_bin, "compare", *base, "--current", "2022", "--previous", "2021", "--level", "city", "--format", "csv")
    want = pd.read_csv(io.StringIO(cli), dtype={"entity_id": str})
    assert list(c["entity_id"]) == list(want["entity_id"])
    assert c["adjusted_share_change_pct"].iloc[0] == want["adjusted_share_change_pct"].iloc[0] == -29.17
    e = tally.explain(entity="1816670", **inputs(), level="city", years=2022)
    assert list(e.table["work_id"]) == ["W1", "W2"]
    assert e.extra["entity"]["rank"] == 1
    assert e.extra["entity"]["totals"][0] == 2.0
    assert abs(e.extra["entity"]["totals"][1] - 0.708333) < 1e-6
    k = tally.collab(**inputs(), level="city", years=2022).table
    cli = cli_csv(tally_bin, "collab", *base, "--level", "city", "--years", "2022", "--format", "csv")
    assert list(k["collaboration"]) == list(pd.read_csv(io.StringIO(cli))["collaboration"])
    s = tally.compare(2022, 2021, config=ROOT / "config/demo.toml", level="city", group="country", top=10, show="story")
    assert s.extra[0].startswith("The top 5 changed since 2021")


@pytest.mark.skipif(not (SHARED / "openalex/works.jsonl.gz").is_file(), reason="needs ../shared/data next to the checkout")
@pytest.mark.parametrize("level", ["institution", "city", "country"])
def test_rank_equals_the_command_line_on_shared_data(tally_bin, level):
    files = dict(
        works=SHARED / "openalex/works.jsonl.gz",
        institutions=[SHARED / "openalex/institutions.jsonl.gz", SHARED / "ror/ror-records.jsonl.gz"],
    )
    r = tally.rank(**files, level=level, sources="all", types="all")
    args = ["--works", str(files["works"]), "--institutions", str(files["institutions"][0]),
            "--institutions", str(files["institutions"][1]), "--sources", "all", "--types", "all"]
    contract(r.table, cli_csv(tally_bin, "rank", *args, "--level", level, "--format", "csv"))


def test_a_bad_input_raises_with_file_and_line(tmp_path):
    bad = tmp_path / "works.jsonl"
    good = (FIXTURE / "works.jsonl").read_text().splitlines()
    good.insert(1, '{"id": "W77", "publication_year": 02022}')
    bad.write_text("\n".join(good) + "\n")
    with pytest.raises(tally.TallyError) as e:
        tally.rank(works=bad, institutions=FIXTURE / "institutions.jsonl", sources="all", strict=True)
    assert isinstance(e.value, tally.InputError)
    assert "works.jsonl:2:" in str(e.value), str(e.value)
    with pytest.raises(tally.ConfigError) as e:
        tally.rank(**inputs(), level="town")
    assert "unknown level `town`" in str(e.value)
    with pytest.raises(tally.EmptyError):
        tally.rank(**inputs(), years=1999)


def test_a_panicking_plugin_raises_and_python_goes_on(tmp_path, plugin_dir):
    lib = plugin_dir / "libtally_test_misbehave.so"
    cfg = tmp_path / "bad.toml"
    cfg.write_text(
        f'[input]\nworks = "{FIXTURE}/works.jsonl"\ninstitutions = "{FIXTURE}/institutions.jsonl"\n'
        f'sources = "{FIXTURE}/journals.txt"\n[rank]\nby = "misbehave"\n'
        f'[[scorer]]\nname = "misbehave"\nlibrary = "{lib}"\nparams = {{ mode = "panic" }}\n'
    )
    with pytest.raises(tally.TallyError) as e:
        tally.rank(config=cfg)
    assert isinstance(e.value, tally.ScorerError), type(e.value)
    assert "deliberate panic" in str(e.value)
    # The interpreter is fine, and the next run works.
    assert len(tally.rank(**inputs(), years=2022).table) == 4


def test_runs_in_threads_give_the_same_tables():
    out = {}

    def go(k):
        out[k] = tally.rank(config=ROOT / "config/demo.toml", level="institution", top=0).table

    ts = [threading.Thread(target=go, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(out[k].equals(out[0]) for k in out)


def test_the_docs_walk_through_runs(tmp_path, monkeypatch):
    """Every ```python block of docs/python.md runs, in order, from the checkout."""
    text = (ROOT / "docs/python.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert len(blocks) >= 3
    monkeypatch.chdir(ROOT)
    scope = {}
    # The output shown after the first block is what it prints.
    shown = text.split("```python\n", 2)[1].split("```\n", 2)[2].split("```", 1)[0]
    for k, b in enumerate(blocks):
        if "matplotlib" in b:
            pytest.importorskip("matplotlib")
            b = b.replace('fig.savefig("top20.png")', f'fig.savefig("{tmp_path}/top20.png")')
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(b, "docs/python.md", "exec"), scope)
        if k == 0:
            assert out.getvalue().startswith(shown), out.getvalue()
    if (tmp_path / "top20.png").exists():
        assert (tmp_path / "top20.png").stat().st_size > 10_000


def test_ctrl_c_stops_the_run_and_the_next_one_runs():
    """A KeyboardInterrupt (here from a timer's signal handler, as Ctrl-C
    raises it) stops the run between two batches; the next run works."""
    import signal
    import time

    slow = dict(config=ROOT / "config/demo.toml", level="institution", top=0, years="all",
                intervals=True, resamples=100000)
    t = time.perf_counter()
    full = tally.rank(**slow)
    whole = time.perf_counter() - t
    assert whole > 0.3, f"the slow run took {whole:.2f} s: too fast to interrupt"

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        t = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            tally.rank(**slow)
        stopped = time.perf_counter() - t
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert stopped < whole, (stopped, whole)
    assert tally.rank(**slow).table.equals(full.table)


def test_the_gil_is_released_during_a_run():
    """While a slow run is in progress in another thread, this thread's
    Python keeps running (a held GIL would stop it for the whole run)."""
    import time

    slow = dict(config=ROOT / "config/demo.toml", level="institution", top=0, years="all",
                intervals=True, resamples=100000)
    done = threading.Event()
    t = threading.Thread(target=lambda: (tally.rank(**slow), done.set()))
    start = time.perf_counter()
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
    elapsed = time.perf_counter() - start
    t.join()
    assert elapsed > 0.2, elapsed
    # Tens of thousands of loop turns per second on any machine; a held
    # GIL would allow a handful.
    assert spins / elapsed > 10_000, (spins, elapsed)


def test_the_stubs_check_calls(tmp_path):
    """mypy reads the .pyi stubs: good calls pass, a wrong type is caught."""
    api = pytest.importorskip("mypy.api")
    src = tmp_path / "calls.py"
    src.write_text(
        "import tally\n"
        "r: tally.Result = tally.rank(config='c.toml', level='city', years=(2015, 2022), top=5)\n"
        "c = tally.compare(2022, 2021, level='city', top=[50, 200], show='groups', group='country')\n"
        "e = tally.explain(entity='I1', level='institution')\n"
        "k = tally.collab(level='country', entity='CN')\n"
        "cfg = tally.Config.from_toml('c.toml')\n"
        "try:\n    tally.rank(config=cfg)\nexcept tally.InputError as err:\n    print(err)\n"
        "tally.rank(level=3)\n"
    )
    out, _, status = api.run([str(src), "--no-incremental", "--cache-dir", str(tmp_path / "cache")])
    errors = [l for l in out.splitlines() if ": error:" in l]
    assert len(errors) == 1 and "calls.py:11:" in errors[0] and '"level"' in errors[0], out
