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


def test_a_tracked_run_records_every_setting_that_changes_its_numbers(tmp_path):
    s = fl.load_sample()
    prices = s.prices.iloc[:120, :20]
    factor = -(prices / prices.shift(5) - 1)
    res = fl.run_backtest(fl.FactorStrategy(factor, period=5), prices, progress=False, track=True,
                          registry=tmp_path / "reg", volume_limit=0.05, volumes=prices * 0 + 1e9,
                          periods_per_year=250, min_order_size=100.0, delay=1)
    settings = fl.load_run(res.settings["run_id"], registry=tmp_path / "reg").record["settings"]
    assert settings["volume_limit"] == 0.05 and settings["periods_per_year"] == 250
    assert settings["min_order_size"] == 100.0 and settings["delay"] == 1
