"""Shared fixtures: the repository, the tally binary, the shared data."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "crates/testkit/fixtures/design"
SHARED = ROOT.parent / "shared/data"


def _target() -> pathlib.Path:
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


@pytest.fixture(scope="session")
def tally_bin() -> str:
    """The command line built by `cargo build` (TALLY_BIN, else target/*/tally)."""
    env = os.environ.get("TALLY_BIN")
    if env:
        return env
    for profile in ("debug", "release"):
        p = _target() / profile / "tally"
        if p.is_file():
            return str(p)
    pytest.skip("no tally binary: run cargo build first (or set TALLY_BIN)")


@pytest.fixture(scope="session")
def plugin_dir() -> pathlib.Path:
    """Where cargo put the test plugins (libtally_test_misbehave.so, ...)."""
    for profile in ("debug", "release"):
        d = _target() / profile
        if (d / "libtally_test_misbehave.so").is_file():
            return d
    pytest.skip("no test plugins: run cargo test --workspace first")


def cli_csv(tally_bin: str, *args: str) -> str:
    """What the command line prints."""
    out = subprocess.run([tally_bin, *args, "-q"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout


def worked() -> list:
    return [
        "--works", str(FIXTURE / "works.jsonl"),
        "--institutions", str(FIXTURE / "institutions.jsonl"),
        "--sources", str(FIXTURE / "journals.txt"),
    ]
