"""Faults injected into the registry, the sweeps and the command line: a finished result is never lost,
a sweep stops when asked, every bad input is named.

How write failures are injected. These tests run as root in CI, and root bypasses file permissions, so
a ``chmod`` cannot make a file or folder unwritable there. Each fault is therefore injected in a way
that binds root too, and the permission-based variants run only for an ordinary user (skipped as root,
saying so):

- a file where the run's folder is expected (``mkdir`` fails with FileExistsError);
- a failing writer: ``DataFrame.to_parquet`` monkeypatched to raise ``OSError(ENOSPC)`` (a full disk);
- a read-only database: every SQLite connection of the registry opened with the ``mode=ro`` URI, so
  SQLite itself refuses the writes ("attempt to write a readonly database"), from the start or only
  after the run started.
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_helpers import REPO, make_workdir, read_registry

import factorlab as fl
from factorlab import errors
from factorlab.cli import main
from factorlab.registry import RegistryError, RunRegistry, _store, load_run, runs, tracked_backtest

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
as_user = pytest.mark.skipif(IS_ROOT, reason="root bypasses file permissions; the same fault is injected "
                                             "without permissions by the test above")
STRAT = "strategies_for_cli:Fragile"


@pytest.fixture()
def work(tmp_path, monkeypatch):
    make_workdir(tmp_path, bars=160, assets=8)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FACTORLAB_REGISTRY", raising=False)
    return tmp_path


@pytest.fixture()
def prices(work):
    return pd.read_parquet(work / "prices.parquet").drop(columns=["SPX"])


def _run(*extra: str) -> list[str]:
    return ["run", "--strategy", STRAT, "--prices", "prices.parquet", "--no-progress", *extra]


def _readonly_sqlite(monkeypatch) -> None:
    """Every SQLite connection the registry opens is read-only (``mode=ro``): SQLite refuses writes."""
    real = sqlite3.connect

    def connect(database, *args, uri=False, **kwargs):
        if not uri:
            database, uri = f"file:{Path(database).resolve()}?mode=ro", True
        return real(database, *args, uri=uri, **kwargs)

    monkeypatch.setattr(_store.sqlite3, "connect", connect)


def _file_where_the_run_folder_goes(monkeypatch) -> None:
    """A plain file sits where the run's folder is made, so writing its Parquet files fails (also as root)."""
    real_start = RunRegistry.start

    def start(self, *args, **kwargs):
        run_id = real_start(self, *args, **kwargs)
        self.run_dir(run_id).write_text("not a folder")
        return run_id

    monkeypatch.setattr(RunRegistry, "start", start)


def _disk_full(monkeypatch) -> None:
    def to_parquet(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)


def _equity_csv(path: Path) -> pd.Series:
    return pd.read_csv(path, index_col=0, parse_dates=True)["equity"]


# ----------------------------------------------------------------------------- 1. a result is never lost
@pytest.mark.parametrize("inject", [_file_where_the_run_folder_goes, _disk_full], ids=["file-as-folder",
                                                                                     "disk-full"])
def test_cli_run_keeps_the_result_when_its_files_cannot_be_written(work, monkeypatch, capsys, inject):
    inject(monkeypatch)
    code = main(_run("--save-equity", "eq.csv"))
    out, err = capsys.readouterr()
    assert code == 3, err
    assert "sharpe" in out and "total_return" in out  # the stats are printed
    assert "Traceback" not in err and "could not be saved" in err
    equity = _equity_csv(work / "eq.csv")  # --save-equity written
    monkeypatch.undo()
    table = read_registry(work)
    row = table.iloc[0]
    assert row["status"] == "failed"  # not 'interrupted', not 'running'
    assert "could not be saved" in row["error"] and str((work / "eq.csv").resolve()) in row["error"]
    assert np.isfinite(row["sharpe"])  # the metrics are kept
    print(f"\n{inject.__name__}: exit {code}, record {row['status']}, equity of {len(equity)} bars on disk, "
          f"sharpe {row['sharpe']:.4f} kept")


def test_an_output_failing_after_the_run_leaves_the_run_recorded(work, monkeypatch, capsys):
    """The disk fills between the check of --save-equity and its writing: exit 2, one line, and the
    finished run is in the registry with its equity."""

    def to_csv(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "eq.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    assert main(_run("--save-equity", "eq.csv")) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "factorlab runs list" in err and "Traceback" not in err
    monkeypatch.undo()
    run_id = read_registry(work).index[0]
    stored = load_run(run_id, work / ".factorlab")
    assert stored.status == "finished" and len(stored.equity) == 160


def test_api_returns_the_result_when_the_disk_is_full(work, prices, monkeypatch):
    _disk_full(monkeypatch)
    with pytest.warns(errors.RegistryWarning, match="could not be saved"):
        res = tracked_backtest(fl.FactorStrategy(-(prices / prices.shift(5) - 1), period=5), prices,
                               registry=work / "reg", progress=False)
    monkeypatch.undo()
    assert len(res.equity) == len(prices) and "could not be saved" in res.settings["record_error"]
    rec = load_run(res.settings["run_id"], work / "reg").record
    assert rec["status"] == "failed" and rec["metrics"]["sharpe"] == pytest.approx(res.stats["sharpe"])


def test_database_made_read_only_during_the_run(work, prices, monkeypatch):
    """The final update fails; the files and outcome.json are on disk; listings say 'finished' at once
    (also in this live session, whose pid is alive), and the row is settled once the database is writable."""
    reg_dir = work / "reg"
    RunRegistry(reg_dir)
    real_start = RunRegistry.start

    def start_then_lock(self, *args, **kwargs):
        run_id = real_start(self, *args, **kwargs)
        _readonly_sqlite(monkeypatch)  # read-only from here on: the run's final write is refused by SQLite
        return run_id

    monkeypatch.setattr(RunRegistry, "start", start_then_lock)
    with pytest.warns(errors.RegistryWarning, match="could not be updated"):
        res = tracked_backtest(fl.FactorStrategy(-(prices / prices.shift(5) - 1), period=5), prices,
                               registry=reg_dir, progress=False)
    run_id = res.settings["run_id"]
    assert "readonly" in res.settings["record_error"]
    listed = runs(reg_dir)  # still read-only: opened read-only, outcome.json shown
    assert listed.loc[run_id, "status"] == "finished"
    assert listed.loc[run_id, "sharpe"] == pytest.approx(res.stats["sharpe"])
    monkeypatch.undo()
    raw = sqlite3.connect(reg_dir / "runs.db").execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
    assert raw == ("running",)  # the database itself was never updated ...
    stored = load_run(run_id, reg_dir)  # ... until the registry is opened with write access
    assert stored.status == "finished"
    pd.testing.assert_series_equal(stored.equity, res.equity.rename("equity"), check_freq=False)


def test_read_only_registry_lists_and_loads(work, prices, monkeypatch, capsys):
    assert main(_run()) == 0
    run_id = read_registry(work).index[0]
    _readonly_sqlite(monkeypatch)
    assert main(["runs", "list"]) == 0
    out = capsys.readouterr().out
    assert "opened read-only" in out and "finished" in out
    assert runs().loc[run_id, "status"] == "finished"
    assert len(load_run(run_id).equity) == len(prices)
    assert main(["runs", "delete", run_id]) == 3  # writing is refused, and named
    assert "read-only" in capsys.readouterr().err
    with pytest.raises(RegistryError, match="attempt to write a readonly database"):
        RunRegistry(work / ".factorlab")  # a writer is refused when it opens, before any run starts


@as_user
def test_read_only_registry_by_permissions(work, prices, capsys):
    assert main(_run()) == 0
    reg = work / ".factorlab"
    modes = {p: p.stat().st_mode for p in [reg, *reg.iterdir()]}
    try:
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        assert main(["runs", "list"]) == 0
        assert "opened read-only" in capsys.readouterr().out
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


@as_user
def test_unwritable_runs_folder_by_permissions(work, capsys):
    assert main(_run()) == 0
    runs_dir = work / ".factorlab" / "runs"
    mode = runs_dir.stat().st_mode
    runs_dir.chmod(0o555)
    try:
        assert main(_run("--save-equity", "eq.csv")) == 3
    finally:
        runs_dir.chmod(mode)
    assert (work / "eq.csv").exists()
    assert read_registry(work)["status"].tolist() == ["finished", "failed"]


def test_runs_commands_do_not_create_a_registry(work, capsys):
    assert main(["runs", "--registry", "typo", "list"]) == 3
    err = capsys.readouterr().err
    assert "no run registry at" in err and not (work / "typo").exists()
    with pytest.raises(RegistryError, match="no run registry"):
        runs(work / "typo")


# ----------------------------------------------------------------------------- 2. sweeps
@pytest.mark.parametrize("to", ["process group", "main process only"])
def test_ctrl_c_stops_a_jobs_2_sweep(work, to):
    """SIGINT to the process group of a `--jobs 2` sweep of six ~6-second points (as a terminal's Ctrl-C),
    or to its main process only: exit 130 within seconds, the partial table printed, the two running
    points recorded interrupted, none started later."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg", "FACTORLAB_START_METHOD": "fork"}
    args = ["sweep", "--strategy", "strategies_for_cli:Fragile", "--prices", "prices.parquet", "--jobs", "2",
            "--grid", "pause=0.04,0.0401,0.0402,0.0403,0.0404,0.0405", "--no-progress"]
    # a child of a non-interactive shell inherits SIGINT ignored: restore the default, as a terminal has it
    proc = subprocess.Popen([sys.executable, "-m", "factorlab", *args], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    deadline = time.monotonic() + 60
    while len(_running_rows(work)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(1.0)  # both points well into their 6 seconds
    sent = time.monotonic()
    if to == "process group":
        os.killpg(proc.pid, signal.SIGINT)
    else:  # the sweep passes it on to its workers
        os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert elapsed < 5.0
    assert "interrupted" in err and "Traceback" not in err
    assert "cancelled" in out and "interrupted" in out  # the partial table
    table = read_registry(work)
    assert sorted(table["status"]) == ["interrupted", "interrupted"]  # queued points never started
    print(f"\nCtrl-C to the {to}: exit 130 {elapsed:.2f} s after SIGINT; registry {table['status'].tolist()}")


def _running_rows(work: Path) -> list[str]:
    db = work / ".factorlab" / "runs.db"
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return [r[0] for r in con.execute("SELECT id FROM runs WHERE status='running'")]
        finally:
            con.close()
    except sqlite3.Error:  # the table is being created by the sweep: not yet
        return []


def test_failed_points_show_their_error_and_run_id(work, capsys):
    args = ["sweep", "--strategy", "strategies_for_cli:Fragile", "--prices", "prices.parquet",
            "--grid", "mode=init,ok,data", "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    table = read_registry(work)
    assert sorted(table["status"]) == ["failed", "failed", "finished"]  # the constructor error is a point
    for _, row in table[table["status"] == "failed"].iterrows():
        assert f"run {row.name}" in out
    assert "RuntimeError: constructor broken on purpose" in out and "on_data broken on purpose" in out
    ranked = [line.split()[1] for line in out.splitlines() if line[:1].isdigit()]
    assert ranked[0] == "ok"  # a finished point ranks first


def test_a_sweep_whose_points_all_fail_exits_1(work, capsys):
    args = ["sweep", "--strategy", "strategies_for_cli:Fragile", "--prices", "prices.parquet",
            "--grid", "mode=init,data", "--no-progress"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "none of the 2 points finished" in err
    assert sorted(read_registry(work)["status"]) == ["failed", "failed"]


def test_walk_forward_failed_points_and_all_failed(work, capsys):
    base = ["walk-forward", "--strategy", "strategies_for_cli:Fragile", "--prices", "prices.parquet",
            "--train", "60", "--test", "40", "--no-progress"]
    assert main([*base, "--grid", "mode=init,ok"]) == 0
    out = capsys.readouterr().out
    failed = read_registry(work).query("status == 'failed'")
    assert len(failed) == 2  # one per fold's train window
    for run_id in failed.index:
        assert f"run {run_id}): RuntimeError: constructor broken on purpose" in out
    assert "fold 0 train failed (mode='init'" in out
    assert main([*base, "--grid", "mode=init,data"]) == 1
    assert "no point of the sweep" in capsys.readouterr().err


def test_api_sweep_constructor_error_is_a_failed_point(work, prices):
    from strategies_for_cli import Fragile

    res = fl.sweep(Fragile, prices, {"mode": ["init", "ok"]}, track=True, registry=work / "reg", progress=False)
    assert res.table["status"].tolist() == ["finished", "failed"]
    failed = res.failed.iloc[0]
    assert failed["error"] == "RuntimeError: constructor broken on purpose"
    assert runs(work / "reg").loc[failed["run_id"], "status"] == "failed"  # not left running
    with pytest.raises(fl.sweeps.SweepFailedError, match="constructor broken"):
        _ = fl.sweep(Fragile, prices, {"mode": ["init"]}, progress=False).best


# ----------------------------------------------------------------------------- 3. exit codes
EXIT_CODES = [
    ("ok", _run(), 0, ""),
    ("strategy raises in on_data", _run("--strategy", "strategies_for_cli:Fragile", "--param", "mode=data"), 1,
     "on_data broken on purpose"),
    ("strategy constructor raises", _run("--strategy", "strategies_for_cli:Fragile", "--param", "mode=init"), 1,
     "constructor broken on purpose"),
    ("ParameterError inside a callback", _run("--strategy", "strategies_for_cli:Fragile", "--param",
                                              "mode=param"), 1, "raised in Fragile at bar"),
    ("syntax error in the module", _run("--strategy", "broken_syntax:X"), 2, "syntax error"),
    ("unknown class", _run("--strategy", "strategies_for_cli:Nope"), 2, "has no class 'Nope'"),
    ("--save-equity in a missing folder", _run("--save-equity", "nodir/eq.csv"), 2, "does not exist"),
    ("--save-equity of another type", _run("--save-equity", "eq.txt"), 2, "ending in .csv or .parquet"),
    ("tearsheet --periods 1,a", ["tearsheet", "--sample", "--periods", "1,a"], 2, "--periods '1,a'"),
    ("runs list of a missing registry", ["runs", "--registry", "typo", "list"], 3, "no run registry"),
    ("runs show of an unknown id", ["runs", "show", "ffffffffffff"], 3, "no run 'ffffffffffff'"),
]


def test_exit_code_table(work, capsys):
    (work / "broken_syntax.py").write_text("def broken(:\n    pass\n")
    rows = []
    for what, argv, code, message in EXIT_CODES:
        got = main(argv)
        err = capsys.readouterr().err
        rows.append((what, code, got))
        assert got == code, (what, err)
        assert message in err, (what, err)
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) <= 1, (what, err)  # one clear line
    assert list(read_registry(work)["status"]) == ["finished", "failed", "failed", "failed"]  # outputs first
    print("\n" + "\n".join(f"{code:>3} (got {got:>3})  {what}" for what, code, got in rows))


def test_traceback_flag_prints_the_trace(work, capsys):
    assert main(["--traceback", *_run("--strategy", "strategies_for_cli:Fragile", "--param", "mode=init")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "constructor broken on purpose" in err


# ----------------------------------------------------------------------------- 4. bad input is named
@pytest.fixture(scope="module")
def sample():
    s = fl.load_sample()
    return s.prices.iloc[:200, :20], s.benchmark.iloc[:200]


def test_all_nan_wide_factor_is_named(sample):
    prices, _ = sample
    factor = (prices * np.nan).rename_axis(None)
    with pytest.raises(errors.EmptyDataError, match="the factor has no finite value"):
        fl.prepare_factor_data(factor, prices)
    with pytest.raises(errors.EmptyDataError, match="no finite value"):
        fl.create_full_tear_sheet(factor, prices)


@pytest.mark.parametrize("kind, fix", [("levels", "pct_change"), ("percent", "divide by 100"),
                                       ("below -1", "cannot lose more than 100%")])
def test_returns_report_refuses_what_is_not_returns(sample, kind, fix):
    _, bench = sample
    r = bench.pct_change().dropna()
    given = {"levels": bench, "percent": r * 100, "below -1": r.where(r.index != r.index[20], -1.5)}[kind]
    with pytest.raises(errors.InvalidReturnsError, match=fix):
        fl.create_returns_tear_sheet(given)


def test_a_total_loss_still_gets_its_report(sample):
    _, bench = sample
    r = bench.pct_change().dropna()
    r.iloc[100] = -1.0
    r.iloc[101:] = 0.0
    sheet = fl.create_returns_tear_sheet(r)
    html = sheet.to_html()
    assert "log scale" not in html and html.count("<img") >= 1
    assert 'id="cumulative"' in html or "cumulative" in html.lower()


def test_time_zone_mismatches_say_so_everywhere(sample):
    prices, bench = sample
    factor = -(prices / prices.shift(5) - 1)
    aware = prices.tz_localize("UTC")
    calls = {
        "backtest": lambda: fl.run_backtest(fl.FactorStrategy(factor, period=5), aware, progress=False),
        "prepare_factor_data": lambda: fl.prepare_factor_data(factor, aware),
        "interleaved_returns": lambda: fl.interleaved_returns(
            fl.factor_weights(fl.prepare_factor_data(factor, prices, periods=(1,))), aware, period=5),
        "returns report": lambda: fl.create_returns_tear_sheet(
            bench.pct_change().dropna(), benchmark=bench.tz_localize("UTC")),
    }
    for name, call in calls.items():
        with pytest.raises(errors.TimezoneMismatchError, match="time zone"):
            call()
        print(f"{name}: TimezoneMismatchError")


def test_duplicate_dates_and_long_periods(sample):
    prices, _ = sample
    factor = -(prices / prices.shift(5) - 1)
    doubled = pd.concat([prices, prices.iloc[[3]]]).sort_index()
    weights = fl.factor_weights(fl.prepare_factor_data(factor, prices, periods=(1,)))
    with pytest.raises(errors.DuplicateDatesError):
        fl.interleaved_returns(weights, doubled, period=5)
    with pytest.raises(errors.DuplicateDatesError):
        fl.run_backtest(fl.FactorStrategy(factor, period=5), doubled, progress=False)
    with pytest.raises(errors.ParameterError, match="period 500 is longer than"):
        fl.run_backtest(fl.FactorStrategy(factor, period=500), prices, progress=False)
    with pytest.raises(errors.ParameterError, match="period 500 is longer than"):
        fl.interleaved_returns(weights, prices, period=500)


def test_look_ahead_warning(sample):
    prices, _ = sample
    future = prices.shift(-1) / prices - 1  # the next bar's return: look-ahead by construction
    with pytest.warns(errors.LookAheadWarning, match=r"mean IC at 1D \(1 bars\) is 1\.000 \(over 0\.5\)"):
        fl.information_coefficient(fl.prepare_factor_data(future, prices, periods=(1, 5)))
    with pytest.warns(errors.LookAheadWarning):
        fl.create_full_tear_sheet(future, prices, periods=(1, 5)).tables["ic_summary"]
    honest = -(prices / prices.shift(5) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.LookAheadWarning)
        ic = fl.information_coefficient(fl.prepare_factor_data(honest, prices, periods=(1, 5)))
    assert abs(ic["1D"].mean()) < fl.factor.LOOK_AHEAD_IC
