"""factorlab.metrics: annualisation, drawdown table, calendar tables, trading statistics
and the summary strip (hand cases and empyrical parity)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab.metrics as fm
from factorlab.errors import AlignmentError, InvalidIndexError, ParameterError

ep = pytest.importorskip("empyrical")
K = {"periods_per_year": 252}


@pytest.fixture(scope="module")
def rets(sp500_prices) -> pd.DataFrame:
    return sp500_prices[["AAPL", "AAL", "JNJ"]].pct_change().iloc[1:]


@pytest.fixture(scope="module")
def bench(spx) -> pd.Series:
    return spx.pct_change().iloc[1:]


# ---------------------------------------------------------------- annualisation
def _session_index(freq: str, per_day: int, days: int = 10) -> pd.DatetimeIndex:
    """``per_day`` bars of ``freq`` from 09:30 on each of ``days`` weekdays."""
    start = pd.bdate_range("2020-01-06", periods=days) + pd.Timedelta("9h30min")
    return start.repeat(per_day) + np.tile(np.arange(per_day), days) * pd.Timedelta(1, unit=freq)


@pytest.mark.parametrize("freq,per_day,market,want", [
    ("h", 7, None, 252 * 7), ("min", 390, None, 252 * 390), ("s", 600, "equity", 252 * 600),
    ("h", 7, "24h", 365 * 24),  # a 24/7 calendar forced: bars per day from the bar length
])
def test_periods_per_year_inferred_session_bars(freq, per_day, market, want):
    # bars per session day are counted in the data, not assumed from a 6.5-hour session
    idx = _session_index(freq, per_day)
    with pytest.warns(fm.AnnualizationWarning, match="inferred"):
        assert fm.periods_per_year(idx, market=market) == pytest.approx(want)


@pytest.mark.parametrize("freq,market,want", [
    ("B", "equity", 252), ("B", None, 252), ("D", "24h", 365), ("D", None, 365), ("D", "equity", 252),
    ("h", "24h", 365 * 24), ("h", None, 365 * 24), ("min", None, 365 * 24 * 60), ("W", "equity", 52),
    ("ME", "equity", 12), ("QE", "24h", 4), ("YE", "equity", 1),
])
def test_periods_per_year_inferred(freq, market, want):
    idx = pd.date_range("2020-01-01", periods={"min": 20_000, "h": 400}.get(freq, 40), freq=freq)  # a weekend
    with pytest.warns(fm.AnnualizationWarning, match="inferred"):
        assert fm.periods_per_year(idx, market=market) == pytest.approx(want)
    with pytest.warns(fm.AnnualizationWarning):
        got = fm.periods_per_year(pd.Series(0.0, index=idx.tz_localize("UTC")), market)
    assert got == pytest.approx(want)


def test_periods_per_year_explicit_wins_and_fallbacks(sp500_prices):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fm.periods_per_year(pd.date_range("2020", periods=5, freq="h"), periods_per_year=99) == 99.0
    with pytest.warns(fm.AnnualizationWarning, match="252"):  # real calendar with holidays
        assert fm.periods_per_year(sp500_prices.index) == 252
    with pytest.warns(fm.AnnualizationWarning, match="assuming daily"):
        assert fm.periods_per_year(np.zeros(5)) == 252
    with pytest.warns(fm.AnnualizationWarning, match="assuming daily"):
        assert fm.periods_per_year(None, market="24h") == 365
    for bad in (0, -3, np.nan, "x"):
        with pytest.raises(ParameterError):
            fm.periods_per_year(None, periods_per_year=bad)
    with pytest.raises(ParameterError, match="market"):
        fm.periods_per_year(None, market="fx")


def test_hourly_annualisation_changes_statistics(rng):
    idx = pd.date_range("2021-01-04", periods=500, freq="h")
    r = pd.Series(rng.normal(0.0001, 0.002, 500), index=idx)
    with pytest.warns(fm.AnnualizationWarning, match="8,760"):  # bars on weekends: 24/7 hourly
        vol = fm.annual_volatility(r)
    assert vol == pytest.approx(r.std() * math.sqrt(8760))
    with pytest.warns(fm.AnnualizationWarning, match="6,048"):  # calendar forced: 252 days of 24 bars
        vol_session = fm.annual_volatility(r, market="equity")
    assert vol_session == pytest.approx(r.std() * math.sqrt(252 * 24))
    vol24 = fm.annual_volatility(r, market="24h", periods_per_year=8760)
    assert vol24 == pytest.approx(r.std() * math.sqrt(8760))


# ---------------------------------------------------------------- drawdowns (hand cases)
HAND = pd.Series([0.10, -0.50, 0.50, 1.00, -0.10, 0.10], index=pd.bdate_range("2021-01-04", periods=6))


def test_underwater_and_max_drawdown_hand():
    # equity 1.1, 0.55, 0.825, 1.65, 1.485, 1.6335 ; peaks 1.1, 1.1, 1.1, 1.65, 1.65, 1.65
    np.testing.assert_allclose(fm.underwater(HAND), [0, -0.5, -0.25, 0, -0.1, -0.01], atol=1e-12)
    assert fm.max_drawdown(HAND) == pytest.approx(-0.5)
    np.testing.assert_allclose(fm.cumulative_returns(HAND), [0.1, -0.45, -0.175, 0.65, 0.485, 0.6335])


def test_drawdown_table_hand():
    t = fm.drawdown_table(HAND, top=5)
    d = HAND.index
    assert list(t.columns) == ["peak", "valley", "recovery", "depth", "duration", "duration_days"]
    assert len(t) == 2
    assert (t.loc[0, "peak"], t.loc[0, "valley"], t.loc[0, "recovery"]) == (d[0], d[1], d[3])
    assert t.loc[0, "depth"] == pytest.approx(-0.5) and t.loc[0, "duration"] == 3
    assert t.loc[0, "duration_days"] == 3.0
    assert (t.loc[1, "peak"], t.loc[1, "valley"]) == (d[3], d[4]) and pd.isna(t.loc[1, "recovery"])
    assert t.loc[1, "depth"] == pytest.approx(-0.1) and t.loc[1, "duration"] == 2
    assert len(fm.drawdown_table(HAND, top=1)) == 1
    dates = fm.max_drawdown_dates(HAND)
    assert (dates["peak"], dates["valley"], dates["recovery"]) == (d[0], d[1], d[3])


def test_drawdown_first_bar_loss_and_none():
    r = pd.Series([-0.1, 0.2, 0.01], index=pd.bdate_range("2021-01-04", periods=3))
    t = fm.drawdown_table(r)
    assert t.loc[0, "peak"] == r.index[0] and t.loc[0, "valley"] == r.index[0]
    assert t.loc[0, "recovery"] == r.index[1] and t.loc[0, "depth"] == pytest.approx(-0.1)
    up = pd.Series([0.01, 0.02], index=r.index[:2])
    assert fm.drawdown_table(up).empty
    assert list(fm.drawdown_table(up).columns)[:3] == ["peak", "valley", "recovery"]
    md = fm.max_drawdown_dates(up)
    assert pd.isna(md["peak"]) and md["depth"] == 0.0
    assert fm.drawdown_table(pd.Series([], index=pd.DatetimeIndex([]), dtype=float)).empty
    with pytest.raises(ParameterError):
        fm.drawdown_table(pd.DataFrame({"a": r, "b": r}))
    with pytest.raises(ParameterError):
        fm.drawdown_table(r, top=0)


def test_drawdown_table_real(rets):
    r = rets["AAPL"]
    t = fm.drawdown_table(r, top=10)
    assert t.loc[0, "depth"] == pytest.approx(ep.max_drawdown(r), abs=1e-9)
    assert t["depth"].is_monotonic_increasing and (t["depth"] < 0).all()
    uw = fm.underwater(r)
    for _, row in t.iterrows():
        assert uw[row.valley] == pytest.approx(row.depth)
        assert uw[row.peak] == 0.0 and row.peak < row.valley
        if pd.notna(row.recovery):
            assert uw[row.recovery] == 0.0 and (uw[row.peak:row.recovery].iloc[1:-1] < 0).all()


# ---------------------------------------------------------------- calendar tables
def test_aggregate_returns_parity(rets):
    for ours, theirs in (("monthly", "monthly"), ("yearly", "yearly"), ("weekly", "weekly")):
        for col in rets:
            got = fm.aggregate_returns(rets[col], ours)
            want = ep.aggregate_returns(rets[col], theirs)
            np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-9, rtol=0)
    frame = fm.aggregate_returns(rets, "monthly")
    assert list(frame.columns) == list(rets.columns) and frame.index.names == ["year", "month"]


def test_monthly_table_and_best_worst_hand():
    idx = pd.DatetimeIndex(["2020-01-30", "2020-01-31", "2020-02-03", "2021-03-01", "2021-03-02"])
    r = pd.Series([0.10, 0.10, -0.05, 0.02, np.nan], index=idx)
    t = fm.monthly_returns_table(r)
    assert list(t.columns) == list(range(1, 13)) and list(t.index) == [2020, 2021]
    assert t.loc[2020, 1] == pytest.approx(0.21) and t.loc[2020, 2] == pytest.approx(-0.05)
    assert t.loc[2021, 3] == pytest.approx(0.02) and t.isna().sum().sum() == 24 - 3
    ann = fm.annual_returns(r)
    assert ann[2020] == pytest.approx(1.21 * 0.95 - 1) and ann[2021] == pytest.approx(0.02)
    assert fm.best_period(r, "daily") == pytest.approx(0.10)
    assert fm.worst_period(r, "daily") == pytest.approx(-0.05)
    assert fm.best_period(r, "monthly") == pytest.approx(0.21)
    assert fm.worst_period(r, "yearly") == pytest.approx(0.02)
    assert fm.runtime_days(r) == (idx[-1] - idx[0]).days + 1


def test_best_day_compounds_intraday_bars():
    idx = pd.date_range("2021-01-04 10:00", periods=6, freq="4h")  # 10,14,18,22 / 02,06
    r = pd.Series([0.01, 0.01, 0.01, 0.01, -0.02, 0.0], index=idx)
    assert fm.best_period(r, "day") == pytest.approx(1.01**4 - 1)
    assert fm.worst_period(r, "day") == pytest.approx(-0.02)
    assert fm.runtime_days(r) == 2.0


def test_tables_degenerate_and_errors():
    empty = pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
    assert math.isnan(fm.best_period(empty)) and math.isnan(fm.runtime_days(empty))
    assert fm.monthly_returns_table(empty).empty
    nan = pd.Series([np.nan] * 3, index=pd.bdate_range("2021-01-04", periods=3))
    assert math.isnan(fm.best_period(nan, "monthly"))
    with pytest.raises(ParameterError):
        fm.best_period(np.zeros(3))
    with pytest.raises(InvalidIndexError):
        fm.aggregate_returns(pd.Series([0.1, 0.2]))
    with pytest.raises(ParameterError, match="period"):
        fm.aggregate_returns(nan, "hourly")


# ---------------------------------------------------------------- trading statistics
@pytest.fixture
def book():
    idx = pd.bdate_range("2021-01-04", periods=5)  # Mon..Fri: 5 calendar days
    equity = pd.Series([1000.0, 1000.0, 2000.0, 2000.0, 1000.0], index=idx)
    wide = pd.DataFrame({"A": [100.0, 0, -200.0, np.nan, 50.0], "B": [0, 0, 300.0, 0, 0]}, index=idx)
    long = pd.DataFrame({
        "date": [idx[0], idx[2], idx[2], idx[4]], "symbol": ["A", "A", "B", "A"],
        "amount": [10.0, -20.0, 15.0, 5.0], "price": [10.0, 10.0, 20.0, 10.0],
    })
    volumes = pd.DataFrame({"A": [1e4, 1e4, 5e3, 1e4, 1e4], "B": [1e4] * 5}, index=idx)  # shares
    prices = pd.DataFrame({"A": [10.0] * 5, "B": [20.0] * 5}, index=idx)
    return equity, wide, long, volumes, prices


def test_turnover_hand(book):
    equity, wide, long, *_ = book
    ts = fm.turnover_series(wide, equity)
    np.testing.assert_allclose(ts, [0.1, 0.0, 0.25, 0.0, 0.05])
    pd.testing.assert_series_equal(fm.turnover_series(long, equity), ts)
    assert fm.turnover(wide, equity, **K) == pytest.approx(0.08 * 252)
    positions = pd.DataFrame({"A": [500.0] * 5, "cash": equity - 500.0})
    assert fm.turnover(wide, positions, **K) == pytest.approx(0.08 * 252)


def test_trades_per_day_hand(book):
    equity, wide, long, *_ = book
    assert fm.trades_per_day(wide, equity) == pytest.approx(4 / 5)
    assert fm.trades_per_day(long, equity.index) == pytest.approx(4 / 5)
    longer = pd.date_range("2021-01-04", periods=10, freq="D")
    assert fm.trades_per_day(long, longer) == pytest.approx(4 / 10)


def test_capacity_hand(book):
    equity, wide, long, volumes, prices = book
    # limit = 1% * dollar volume * E / notional, per trade:
    # A d0: .01*1e5*1000/100 = 1e4 ; A d2: .01*5e4*2000/200 = 5e3 ; B d2: .01*2e5*2000/300
    # A d4: .01*1e5*1000/50 = 2e4
    limits = [1e4, 5e3, 0.01 * 2e5 * 2000 / 300, 2e4]
    assert fm.capacity(wide, equity, volumes, prices=prices) == pytest.approx(5e3)
    assert fm.capacity(long, equity, volumes * prices) == pytest.approx(5e3)
    assert fm.capacity(wide, equity, volumes, prices=prices, max_participation=0.05) == pytest.approx(25e3)
    median = fm.capacity(wide, equity, volumes, prices=prices, quantile=0.5)
    assert median == pytest.approx(np.quantile(limits, 0.5))
    no_trades = wide * 0
    assert math.isnan(fm.capacity(no_trades, equity, volumes, prices=prices))
    zero_vol = volumes.copy()
    zero_vol.iloc[0, 0] = 0.0
    assert fm.capacity(wide, equity, zero_vol, prices=prices) == 0.0


def test_trading_errors(book):
    equity, wide, *_ = book
    shifted = wide.copy()
    shifted.index = shifted.index + pd.Timedelta(hours=1)
    with pytest.raises(AlignmentError):
        fm.turnover_series(shifted, equity)
    with pytest.raises(ParameterError):
        fm.capacity(wide, equity, wide, max_participation=0)
    with pytest.raises(ParameterError):
        fm.turnover_series(wide.to_numpy(), equity)


# ---------------------------------------------------------------- summary strip
def test_summary_stats_series(rets, bench):
    r = rets["AAPL"]
    with pytest.warns(fm.AnnualizationWarning) as rec:
        s = fm.summary_stats(r, bench)
    assert len([w for w in rec if issubclass(w.category, fm.AnnualizationWarning)]) == 1
    assert tuple(s.index) == fm.SUMMARY_KEYS and s.dtype == float
    checks = {
        "total_return": fm.total_return(r), "cagr": fm.cagr(r, **K), "sharpe": fm.sharpe_ratio(r, **K),
        "sortino": fm.sortino_ratio(r, **K), "calmar": fm.calmar_ratio(r, **K),
        "max_drawdown": fm.max_drawdown(r), "psr": fm.probabilistic_sharpe_ratio(r, **K),
        "information_ratio": fm.information_ratio(r, bench, **K), "beta": fm.beta(r, bench),
        "alpha": fm.alpha(r, bench, **K), "var_95": fm.value_at_risk(r),
        "cvar_95": fm.conditional_value_at_risk(r), "best_day": r.max(), "worst_day": r.min(),
        "best_year": fm.annual_returns(r).max(), "runtime_days": 2087.0,
    }
    for key, want in checks.items():
        assert s[key] == pytest.approx(want, rel=1e-12), key
    assert s["sharpe"] == pytest.approx(ep.sharpe_ratio(r), abs=1e-9)


def test_summary_stats_frame_and_options(rets, bench):
    df = fm.summary_stats(rets, None, 252, psr_benchmark_sharpe=1.0)
    assert list(df.columns) == list(rets.columns) and tuple(df.index) == fm.SUMMARY_KEYS
    assert df.loc[["information_ratio", "alpha", "beta"]].isna().all().all()
    assert df.loc["psr", "JNJ"] == pytest.approx(fm.probabilistic_sharpe_ratio(rets["JNJ"], 1.0, **K))
    for col in rets:
        one = fm.summary_stats(rets[col], None, 252, psr_benchmark_sharpe=1.0)
        pd.testing.assert_series_equal(df[col], one, check_names=False)


def test_summary_stats_trading_keys(book):
    equity, wide, _, volumes, prices = book
    r = equity.pct_change().fillna(0.0)
    s = fm.summary_stats(r, periods_per_year=252, trades=wide, equity=equity, volumes=volumes, prices=prices)
    assert s["turnover"] == pytest.approx(0.08 * 252)
    assert s["trades_per_day"] == pytest.approx(0.8) and s["capacity"] == pytest.approx(5e3)


def test_summary_stats_degenerate():
    empty = pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
    s = fm.summary_stats(empty, periods_per_year=252)
    assert s.isna().all()
    with pytest.raises(ParameterError):
        fm.summary_stats(np.zeros(4), periods_per_year=252)
