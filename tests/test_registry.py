"""Run registry: records, round trips, fingerprints, and reliability under kills, concurrency and damage."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import time

import numpy as np
import pandas as pd
import pytest
from strategies_for_cli import Broken, Reversal, Slow

import factorlab as fl
from factorlab.errors import FactorlabError
from factorlab.registry import (
    CorruptRunError,
    RunNotFoundError,
    RunRegistry,
    data_fingerprint,
    default_registry_dir,
    load_run,
    runs,
    tracked_backtest,
)

FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def prices():
    return fl.load_sample().prices.iloc[:120, :6]


def test_round_trip_equals_result(tmp_path, prices):
    res = tracked_backtest(Reversal, prices, params={"lookback": 10}, registry=tmp_path, progress=False,
                           capital=50_000)
    run_id = res.settings["run_id"]
    stored = load_run(run_id, tmp_path)
    assert stored.status == "finished" and stored.params["lookback"] == 10
    pd.testing.assert_series_equal(stored.equity, res.equity, check_freq=False)
    pd.testing.assert_series_equal(stored.returns, res.returns.rename("return"), check_freq=False)
    pd.testing.assert_frame_equal(stored.trades, res.trades)
    pd.testing.assert_frame_equal(stored.orders, res.orders)
    assert stored.stats["sharpe"] == pytest.approx(res.stats["sharpe"])
    table = runs(tmp_path)
    assert list(table.index) == [run_id]
    row = table.loc[run_id]
    assert row["strategy"] == "strategies_for_cli:Reversal" and row["status"] == "finished"
    assert row["code_version"].startswith("factorlab ") and "strategies_for_cli" in row["code_version"]
    assert json.loads(row["params"])["period"] == 5
    assert row["finished"] >= row["created"]


def test_database_is_in_wal_mode_under_the_working_directory(tmp_path, monkeypatch, prices):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FACTORLAB_REGISTRY", raising=False)
    assert default_registry_dir() == tmp_path / ".factorlab"
    tracked_backtest(Reversal, prices, progress=False)
    con = sqlite3.connect(tmp_path / ".factorlab" / "runs.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    monkeypatch.setenv("FACTORLAB_REGISTRY", str(tmp_path / "elsewhere"))
    assert default_registry_dir() == tmp_path / "elsewhere"


def test_failed_run_is_recorded_with_its_error(tmp_path, prices):
    with pytest.raises(FactorlabError, match="broken on purpose"):
        tracked_backtest(Broken, prices, registry=tmp_path, progress=False)
    row = runs(tmp_path).iloc[0]
    assert row["status"] == "failed" and "StrategyError" in row["error"] and "broken on purpose" in row["error"]
    assert np.isnan(row["sharpe"])


def test_fingerprint_follows_the_data(prices):
    a = data_fingerprint(prices, None)
    assert a == data_fingerprint(prices.copy(), None) and len(a) == 16
    changed = prices.copy()
    changed.iloc[5, 2] *= 1.0001
    assert data_fingerprint(changed, None) != a
    assert data_fingerprint(prices.rename(columns=str.lower), None) != a
    assert data_fingerprint(prices, {"cash": 2.0}) != data_fingerprint(prices, {"cash": 1.0})


def test_unknown_id(tmp_path):
    RunRegistry(tmp_path)  # an empty registry: the id is unknown (a missing registry is another error)
    with pytest.raises(RunNotFoundError, match="no run 'abcdef'"):
        load_run("abcdef", tmp_path)


def _slow_run(path, prices):
    tracked_backtest(Slow, prices, params={"pause": 0.05}, registry=path, progress=False)


def test_sigkill_mid_run_is_marked_interrupted(tmp_path, prices, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Slow writes started.flag here
    done = tracked_backtest(Reversal, prices, registry=tmp_path / "reg", progress=False).settings["run_id"]
    proc = FORK.Process(target=_slow_run, args=(tmp_path / "reg", prices))
    proc.start()
    deadline = time.time() + 30
    while not (tmp_path / "started.flag").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a few bars into the run
    assert proc.is_alive()
    live = RunRegistry(tmp_path / "reg").table()
    assert live["status"].value_counts().to_dict() == {"finished": 1, "running": 1}  # alive: not interrupted
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    assert proc.exitcode == -signal.SIGKILL
    table = runs(RunRegistry(tmp_path / "reg"))
    killed = table.index[table.index != done][0]
    assert table.loc[killed, "status"] == "interrupted"
    assert "ended without recording an outcome" in table.loc[killed, "error"]
    assert table.loc[done, "status"] == "finished"
    assert load_run(killed, tmp_path / "reg").status == "interrupted"


def _writer(path, prices, barrier, n):
    barrier.wait()
    for lookback in range(2, 2 + n):
        tracked_backtest(Reversal, prices, params={"lookback": lookback}, registry=path, progress=False)


def test_four_concurrent_writers_lose_no_run(tmp_path, prices):
    small = prices.iloc[:40, :3]
    barrier = FORK.Barrier(4)
    procs = [FORK.Process(target=_writer, args=(tmp_path, small, barrier, 5)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    table = runs(tmp_path)
    assert len(table) == 20 and table.index.is_unique
    assert (table["status"] == "finished").all()
    lookbacks = sorted(json.loads(p)["lookback"] for p in table["params"])
    assert lookbacks == sorted(list(range(2, 7)) * 4)
    assert all(len(load_run(i, tmp_path).equity) == 40 for i in table.index)


def test_corrupted_parquet_breaks_only_that_run(tmp_path, prices):
    ids = [tracked_backtest(Reversal, prices, params={"lookback": k}, registry=tmp_path,
                            progress=False).settings["run_id"] for k in (3, 7)]
    bad, good = ids
    (tmp_path / "runs" / bad / "trades.parquet").write_bytes(b"PAR1 this is not parquet")
    (tmp_path / "runs" / bad / "orders.parquet").unlink()
    assert list(runs(tmp_path)["status"]) == ["finished", "finished"]  # listing is unaffected
    broken = load_run(bad, tmp_path)
    with pytest.raises(CorruptRunError, match=f"run {bad}: .*trades.parquet is not a readable Parquet file"):
        _ = broken.trades
    with pytest.raises(CorruptRunError, match=f"run {bad}: orders.parquet is missing"):
        _ = broken.orders
    assert len(broken.equity) == len(prices)  # its other files still load
    assert len(load_run(good, tmp_path).trades) > 0


class _Interrupting(Reversal):
    def on_data(self, ctx, data) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_marks_the_run_interrupted(tmp_path, prices):
    with pytest.raises(KeyboardInterrupt):
        tracked_backtest(_Interrupting, prices, registry=tmp_path, progress=False)
    row = runs(tmp_path).iloc[0]
    assert row["status"] == "interrupted" and "KeyboardInterrupt" in row["error"]


def test_opening_retries_while_another_process_holds_the_database(tmp_path, monkeypatch):
    # SQLite answers some open races (switching to WAL, creating the tables) with an immediate
    # "database is locked": opening the registry tries again instead of failing
    from factorlab.registry._errors import RegistryError

    real = RunRegistry._connect
    failures = []

    def flaky(self):
        if len(failures) < 2:
            failures.append(1)
            raise sqlite3.OperationalError("database is locked")
        return real(self)

    monkeypatch.setattr(RunRegistry, "_connect", flaky)
    reg = RunRegistry(tmp_path)
    assert len(failures) == 2 and reg.db_path.exists()
    monkeypatch.setattr(RunRegistry, "_connect", lambda self: (_ for _ in ()).throw(
        sqlite3.OperationalError("disk I/O error")))
    with pytest.raises(RegistryError, match="disk I/O error"):
        RunRegistry(tmp_path / "other")
