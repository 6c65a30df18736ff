"""fl.run_backtest(track=True) records the run in the registry."""

from __future__ import annotations

import factorlab as fl


def test_backtest_track_true_records_the_run(tmp_path):
    s = fl.load_sample()
    prices = s.prices.iloc[:120, :20]
    factor = -(prices / prices.shift(5) - 1)
    res = fl.run_backtest(fl.FactorStrategy(factor, period=5), prices, capital=1_000_000, progress=False,
                      track=True, registry=tmp_path / "reg")
    table = fl.runs(registry=tmp_path / "reg")
    assert len(table) == 1
    run_id = res.settings["run_id"]
    assert table.loc[run_id, "status"] == "finished"
    stored = fl.load_run(run_id, registry=tmp_path / "reg")
    assert (stored.equity.to_numpy() == res.equity.to_numpy()).all()
    # not tracked by default
    fl.run_backtest(fl.FactorStrategy(factor, period=5), prices, progress=False)
    assert len(fl.runs(registry=tmp_path / "reg")) == 1
