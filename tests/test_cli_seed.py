"""The seed's command line, as its documentation writes it, on local prices with a benchmark column."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import factorlab as fl
from factorlab.cli import main

SEED_LINE = ("run --strategy my_strategy:MyStrategy --start 2021-01-01 --end 2025-12-31 --resolution 1day "
             "--cash 250000 --benchmark SPY --param leverage=1.5")

MY_STRATEGY = textwrap.dedent('''
    from factorlab.backtest import Strategy


    class MyStrategy(Strategy):
        """Equal weights on every name, scaled by ``leverage``, rebalanced each month."""

        leverage = 1.0

        def initialize(self, ctx):
            ctx.schedule(self.rebalance, on="month_start")

        def rebalance(self, ctx, data):
            names = list(ctx.assets)
            ctx.order_target_weights(dict.fromkeys(names, self.leverage / len(names)))
''')


@pytest.fixture
def seed_dir(tmp_path, monkeypatch):
    """20 sample names and the S&P 500 as 'SPY', on business days 2021-2025 (the sample's prices, re-dated)."""
    sample = fl.load_sample()
    dates = pd.bdate_range("2021-01-01", "2025-12-31")
    prices = sample.prices.iloc[:len(dates), :20].copy()
    prices["SPY"] = sample.benchmark.iloc[:len(dates)].to_numpy()
    prices = prices.iloc[:len(dates)]
    prices.index = dates[:len(prices)]
    prices.to_parquet(tmp_path / "prices.parquet")
    (tmp_path / "my_strategy.py").write_text(MY_STRATEGY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_seed_line_runs_and_starts_at_the_cash_given(seed_dir):
    args = [*SEED_LINE.split(), "--prices", "prices.parquet", "--no-track", "--no-progress",
            "--save-equity", "equity.csv"]
    assert main(args) == 0
    eq = pd.read_csv("equity.csv", index_col=0, parse_dates=True)
    assert eq["equity"].iloc[0] == pytest.approx(250_000, rel=1e-6)
    assert eq.index[0] >= pd.Timestamp("2021-01-01")
    held = pd.read_csv("equity.csv")  # leverage 1.5: the account borrows (cash below 0 once invested)
    assert (held["cash"] < 0).any()


def test_resolution_is_checked_against_the_prices(seed_dir, capsys):
    base = ["run", "--strategy", "my_strategy:MyStrategy", "--prices", "prices.parquet", "--no-track",
            "--no-progress", "--benchmark", "SPY"]
    assert main([*base, "--resolution", "1hour"]) == 2  # daily prices are coarser than an hour
    assert "coarser than 1hour" in capsys.readouterr().err
    assert main([*base, "--resolution", "fortnight"]) == 2
    assert main([*base, "--resolution", "1week", "--save-equity", "w.csv"]) == 0  # finer: resampled
    weekly = pd.read_csv("w.csv", index_col=0, parse_dates=True)
    assert weekly.index.to_series().diff().median() == pd.Timedelta(days=7)
    assert "resampled to 1week" in capsys.readouterr().out


def test_the_seed_line_on_the_bundled_sample(seed_dir, capsys):
    """The README's form: the seed's line with --sample (its dates inside the sample's 2015-2020)."""
    line = ("run --sample --strategy my_strategy:MyStrategy --start 2016-01-04 --end 2020-06-30 --resolution 1day "
            "--cash 250000 --benchmark SPY --param leverage=1.5 --no-track --no-progress --save-equity s.csv")
    assert main(line.split()) == 0
    eq = pd.read_csv("s.csv", index_col=0, parse_dates=True)
    assert eq["equity"].iloc[0] == pytest.approx(250_000, rel=1e-6)
    assert eq.index[0] == pd.Timestamp("2016-01-04") and eq.index[-1] == pd.Timestamp("2020-06-30")
