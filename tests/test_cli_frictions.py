"""The friction flags of ``factorlab run``, ``sweep`` and ``walk-forward`` equal the Python API's settings.

Each run goes through the command line (in process) and through ``fl.run_backtest``
with the same settings; equity, trades and statistics must be identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _cli_helpers import make_workdir

import factorlab as fl
from factorlab.cli import main

STRAT = "strategies_for_cli:Reversal"
START, END = "2015-03-02", "2015-08-31"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    path = make_workdir(tmp_path_factory.mktemp("cli_frictions"), bars=200, assets=8)
    prices = pd.read_parquet(path / "prices.parquet").drop(columns=["SPX"])
    rng = np.random.default_rng(7)
    volumes = pd.DataFrame(rng.integers(200, 2_000, size=prices.shape), index=prices.index,
                           columns=prices.columns).astype(float)
    volumes.to_parquet(path / "volumes.parquet")
    return path


def _api(work, **kwargs):
    from strategies_for_cli import Reversal

    prices = pd.read_parquet(work / "prices.parquet").drop(columns=["SPX"])
    return fl.run_backtest(Reversal, prices, params={"period": 2}, start=START, end=END, progress=False,
                           **kwargs)


def _cli(work, monkeypatch, *flags):
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    args = ["run", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX", "--no-track",
            "--no-progress", "--param", "period=2", "--start", START, "--end", END,
            "--save-equity", "equity.csv", "--save-trades", "trades.csv"]
    assert main([*args, *flags]) == 0
    equity = pd.read_csv(work / "equity.csv", index_col=0, parse_dates=True)
    trades = pd.read_csv(work / "trades.csv", parse_dates=["date"])
    return equity, trades


def _same(work, monkeypatch, flags, **api):
    equity, trades = _cli(work, monkeypatch, *flags)
    bt = _api(work, **api)
    np.testing.assert_allclose(equity["equity"].to_numpy(), bt.equity.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(trades["shares"].to_numpy(), bt.trades["shares"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(trades["price"].to_numpy(), bt.trades["price"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(trades["commission"].to_numpy(), bt.trades["commission"].to_numpy(),
                               rtol=1e-12, atol=1e-12)
    return bt, equity, trades


@pytest.mark.parametrize(("flags", "api"), [
    (["--commission-bps", "5"], {"commission": 5.0}),
    (["--slippage-bps", "3"], {"slippage": 3.0}),
    (["--execution-delay", "2"], {"delay": 2}),
    (["--delay", "2"], {"delay": 2}),
    (["--whole-shares"], {"fractional": False}),
    (["--fractional"], {"fractional": True}),
    (["--warmup", "20"], {"warmup": 20}),
    (["--commission-bps", "5", "--slippage-bps", "3", "--execution-delay", "2", "--whole-shares"],
     {"commission": 5.0, "slippage": 3.0, "delay": 2, "fractional": False}),
], ids=["commission", "slippage", "execution-delay", "delay", "whole-shares", "fractional", "warmup",
        "combination"])
def test_run_flag_equals_api(work, monkeypatch, flags, api):
    bt, _, trades = _same(work, monkeypatch, flags, **api)
    frictionless = _api(work)
    if "commission" in api:
        assert trades["commission"].sum() > 0
    if "slippage" in api:
        assert (bt.trades["slippage"] > 0).all()
    if "delay" in api:
        lag = bt.full_index.get_indexer(bt.orders.loc[bt.orders["status"] == "filled", "closed"]) \
            - bt.full_index.get_indexer(bt.orders.loc[bt.orders["status"] == "filled", "submitted"])
        assert (lag == 2).all()
    if api.get("fractional") is False:
        assert (trades["shares"] == trades["shares"].round()).all()
    if api and api != {"fractional": True} and api != {"warmup": 20}:
        assert not np.allclose(bt.equity.to_numpy(), frictionless.equity.to_numpy(), rtol=1e-12)


def test_combination_costs_by_hand(work, monkeypatch):
    """Commission 5 bps of |shares| x fill price, fill price = close x (1 +/- 3 bps), 2 bars late, whole shares."""
    _, _, trades = _same(work, monkeypatch, ["--commission-bps", "5", "--slippage-bps", "3", "--execution-delay",
                                             "2", "--whole-shares"],
                         commission=5.0, slippage=3.0, delay=2, fractional=False)
    prices = pd.read_parquet(work / "prices.parquet")
    close = prices.stack().rename("close")
    close.index.names = ["date", "asset"]
    joined = trades.join(close, on=["date", "asset"])
    np.testing.assert_allclose(joined["price"], joined["close"] * (1 + np.sign(joined["shares"]) * 3e-4),
                               rtol=1e-12)
    np.testing.assert_allclose(joined["commission"], 5e-4 * joined["shares"].abs() * joined["price"], rtol=1e-12)


def test_volume_limit_with_volumes_file(work, monkeypatch):
    volumes = pd.read_parquet(work / "volumes.parquet")
    _, _, trades = _same(work, monkeypatch, ["--volume-limit", "0.05", "--volumes", "volumes.parquet"],
                          volumes=volumes, volume_limit=0.05)
    vol = volumes.stack().rename("volume")
    vol.index.names = ["date", "asset"]
    joined = trades.groupby(["date", "asset"])["shares"].apply(lambda s: s.abs().sum()).to_frame().join(vol)
    assert (joined["shares"] <= 0.05 * joined["volume"] + 1e-9).all()
    assert (np.isclose(joined["shares"], 0.05 * joined["volume"])).any()  # the limit binds somewhere


def test_volume_limit_needs_volumes(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    code = main(["run", "--strategy", STRAT, "--prices", "prices.parquet", "--no-track", "--no-progress",
                 "--volume-limit", "0.1"])
    assert code == 2
    assert "--volume-limit needs --volumes" in capsys.readouterr().err


def test_whole_shares_and_fractional_exclusive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--strategy", STRAT, "--prices", "p.parquet", "--whole-shares", "--fractional"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_periods_per_year_reaches_stats_and_report(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    assert main(["run", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX", "--no-track",
                 "--no-progress", "--param", "period=2", "--start", START, "--end", END,
                 "--periods-per-year", "365", "--report", "ppy.html"]) == 0
    out = capsys.readouterr().out
    bt = _api(work, periods_per_year=365)
    assert bt.periods_per_year == 365
    r = bt.returns.to_numpy()
    assert bt.stats["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(365), rel=1e-9)
    sharpe_line = next(line for line in out.splitlines() if line.strip().startswith("sharpe"))
    assert float(sharpe_line.split()[1]) == pytest.approx(bt.stats["sharpe"], abs=1e-4)
    assert "365 bars/year" in (work / "ppy.html").read_text()


def test_template_and_css_files(work, monkeypatch):
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    (work / "mine.css").write_text("body { color: #123456; }")
    (work / "mine.html").write_text("<html><style>{{ css }}</style><p>Sharpe {{ kpi.sharpe }}</p></html>")
    assert main(["run", "--strategy", STRAT, "--prices", "prices.parquet", "--no-track", "--no-progress",
                 "--param", "period=2", "--start", START, "--end", END, "--report", "mine_out.html",
                 "--template", "mine.html", "--css", "mine.css"]) == 0
    html = (work / "mine_out.html").read_text()
    bt = _api(work)
    assert html == f"<html><style>body {{ color: #123456; }}</style><p>Sharpe {bt.stats['sharpe']:,.2f}</p></html>"


def test_sweep_and_walk_forward_take_the_flags(work, monkeypatch, capsys):
    """sweep and walk-forward pass the frictions to every backtest: their metrics equal the API's."""
    from strategies_for_cli import Reversal

    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    flags = ["--commission-bps", "5", "--slippage-bps", "3", "--execution-delay", "2", "--whole-shares"]
    api = {"commission": 5.0, "slippage": 3.0, "delay": 2, "fractional": False}
    assert main(["sweep", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX", "--no-track",
                 "--no-progress",
                 "--grid", "lookback=5,10", "--grid", "period=2", "--start", START, "--end", END,
                 "--out", "sweep.csv", *flags]) == 0
    table = pd.read_csv(work / "sweep.csv")
    prices = pd.read_parquet(work / "prices.parquet").drop(columns=["SPX"])
    for _, row in table.iterrows():
        bt = fl.run_backtest(Reversal, prices, params={"lookback": int(row["lookback"]), "period": 2},
                             start=START, end=END, progress=False, **api)
        assert row["sharpe"] == pytest.approx(bt.stats["sharpe"], rel=1e-9)
        assert row["total_commission"] == pytest.approx(bt.stats["total_commission"], rel=1e-9)
    capsys.readouterr()
    assert main(["walk-forward", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX",
                 "--no-track",
                 "--no-progress", "--grid", "lookback=5,10", "--grid", "period=2", "--train", "40", "--test",
                 "20", "--save-equity", "wf.csv", *flags]) == 0
    wf = fl.walk_forward(Reversal, prices, {"lookback": [5, 10], "period": [2]}, train=40, test=20,
                         progress=False, **api)
    equity = pd.read_csv(work / "wf.csv", index_col=0, parse_dates=True)
    np.testing.assert_allclose(equity.iloc[:, 0].to_numpy(), wf.equity.to_numpy(), rtol=1e-12)


def test_walk_forward_honours_start_and_end(work, monkeypatch, capsys):
    """Fold 0 trains from --start; the last test window ends at --end at the latest."""
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    assert main(["walk-forward", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX",
                 "--no-track",
                 "--no-progress", "--grid", "lookback=5,10", "--grid", "period=2", "--train", "40", "--test",
                 "20", "--start", "2015-04-01", "--end", "2015-09-30", "--save-equity", "wf_dates.csv"]) == 0
    out = capsys.readouterr().out
    index = pd.read_parquet(work / "prices.parquet").index
    first = index[index >= "2015-04-01"][0]
    in_range = index[(index >= "2015-04-01") & (index <= "2015-09-30")]
    n_folds = (len(in_range) - 40) // 20
    equity = pd.read_csv(work / "wf_dates.csv", index_col=0, parse_dates=True)
    assert equity.index[0] == in_range[40] and equity.index[-1] == in_range[40 + 20 * n_folds - 1]
    assert equity.index[-1] <= pd.Timestamp("2015-09-30")
    assert f"walk-forward: {n_folds} folds" in out
    fold0 = next(line for line in out.splitlines() if line.lstrip().startswith("0 "))
    assert str(first.date()) in fold0


def test_run_prints_trade_statistics(work, monkeypatch, capsys):
    """The per-trade statistics of the round trips are printed next to the per-bar ones, as the API has them."""
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    assert main(["run", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX", "--no-track",
                 "--no-progress", "--param", "period=2", "--start", START, "--end", END,
                 "--commission-bps", "5"]) == 0
    out = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()
           if line.startswith("  ")}
    bt = _api(work, commission=5.0)
    for key in ("trades", "trade_win_rate", "profit_factor", "expectancy", "net_profit", "total_commission"):
        assert float(out[key]) == pytest.approx(bt.stats[key], abs=1e-4), key


def test_sweep_and_walk_forward_reports_with_a_reference_template(work, monkeypatch):
    """--report of the best sweep point and of the walk-forward's out-of-sample returns, styled by a
    reference-syntax template and a stylesheet."""
    from strategies_for_cli import Reversal

    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    (work / "ref.html").write_text("<style>{{$REPORT-STYLESHEET}}</style><h1>{{$TEXT-STRATEGY-NAME}}</h1>"
                                   "<p>{{$KPI-SHARPE}}</p><table>{{$PARAMETERS}}</table>"
                                   "<!--parameters <tr><td>{{$KEY0}}</td><td>{{$VALUE0}}</td></tr> parameters-->")
    (work / "ref.css").write_text("h1 { color: teal; }")
    common = ["--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX", "--no-track", "--no-progress",
              "--grid", "lookback=5,10", "--grid", "period=2", "--commission-bps", "5",
              "--template", "ref.html", "--css", "ref.css"]
    assert main(["sweep", *common, "--start", START, "--end", END, "--report", "best.html", "--out", "t.csv"]) == 0
    best = pd.read_csv(work / "t.csv").iloc[0]
    prices = pd.read_parquet(work / "prices.parquet").drop(columns=["SPX"])
    bt = fl.run_backtest(Reversal, prices, params={"lookback": int(best["lookback"]), "period": 2}, start=START,
                         end=END, commission=5.0, progress=False)
    html = (work / "best.html").read_text()
    assert html.startswith("<style>h1 { color: teal; }</style><h1>Strategy returns report</h1>")
    assert f"<p>{bt.stats['sharpe']:,.2f}</p>" in html
    assert f"<tr><td>lookback</td><td>{int(best['lookback'])}</td></tr>" in html
    assert main(["walk-forward", *common, "--train", "40", "--test", "20", "--report", "oos.html"]) == 0
    html = (work / "oos.html").read_text()
    assert "<h1>Walk-forward: out-of-sample returns</h1>" in html and "<tr><td>fold 0 (" in html
