"""One bar-frequency rule for every annualisation (DESIGN.md, "Bar frequency and annualisation").

Golden values are computed here by hand (numpy on the returns) or by
empyrical-reloaded with the same bars per year; the code under test only
supplies the returns it annualises.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import empyrical as ep
import numpy as np
import pandas as pd
import pytest

import factorlab as fl
import factorlab.metrics as fm
from factorlab.errors import ParameterError

SHARED = Path(os.environ.get("FACTORLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CRYPTO = SHARED / "crypto_daily_2017_2021.parquet"
SP500 = SHARED / "sp500_close_2015_2020.parquet"


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fm.AnnualizationWarning)
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(20241204)


# --------------------------------------------------------------------------- indexes
def hourly_24_7(n_days: int = 60) -> pd.DatetimeIndex:
    return pd.date_range("2021-03-01", periods=24 * n_days, freq="h")


def minute_session(n_days: int = 5, per_day: int = 390, minutes: int = 1) -> pd.DatetimeIndex:
    """``per_day`` bars of ``minutes`` minutes from 09:30 on each of ``n_days`` weekdays (no weekends)."""
    days = pd.bdate_range("2021-03-01", periods=n_days) + pd.Timedelta("9h30min")
    return days.repeat(per_day) + np.tile(np.arange(per_day), n_days) * pd.Timedelta(minutes, unit="min")


def prices_on(index: pd.DatetimeIndex, n_assets: int, rng, vol: float = 0.002) -> pd.DataFrame:
    steps = rng.normal(0.0, vol, (len(index), n_assets))
    return pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=index,
                        columns=[f"A{i:02d}" for i in range(n_assets)])


def reversal(prices: pd.DataFrame, n: int = 3) -> pd.Series:
    return (-prices.pct_change(n, fill_method=None)).stack().dropna()


def hand_sharpe(r: np.ndarray, ppy: float) -> float:
    r = r[~np.isnan(r)]
    return float(r.mean() / r.std(ddof=1) * math.sqrt(ppy))


def hand_cagr(r: np.ndarray, ppy: float) -> float:
    r = r[~np.isnan(r)]
    return float(np.prod(1.0 + r) ** (ppy / len(r)) - 1.0)


def hand_alpha(fd: fl.FactorData, factor_returns: pd.DataFrame, label: str) -> float:
    """Per-period OLS intercept of the factor portfolio on the universe's mean forward return (numpy polyfit)."""
    universe = fd.returns[label].where(fd.mask).mean(axis=1)
    pair = pd.concat([universe, factor_returns[label]], axis=1).dropna()
    _slope, intercept = np.polyfit(pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy(), 1)
    return float(intercept)


# --------------------------------------------------------------------------- bars per year
@pytest.mark.parametrize("index,want,bar,calendar,unit", [
    (hourly_24_7(), 8760, "hourly", "24/7", ("h", 1.0)),
    (pd.date_range("2021-03-01", periods=6 * 24 * 20, freq="10min"), 52_560, "10-minute", "24/7", ("m", 10.0)),
    (pd.date_range("2021-03-01", periods=2 * 86_400 * 8, freq="500ms"), 365 * 172_800, "0.5-second", "24/7",
     ("s", 0.5)),
    (minute_session(), 98_280, "minute", "session", ("m", 1.0)),
    (minute_session(per_day=78, minutes=5), 252 * 78, "5-minute", "session", ("m", 5.0)),
    (minute_session(n_days=30, per_day=7, minutes=60), 252 * 7, "hourly", "session", ("h", 1.0)),
    (pd.bdate_range("2020-01-01", periods=300), 252, "daily", "session", ("D", 1.0)),
    (pd.bdate_range("2020-01-01", periods=300)[::2], 126, "2-day", "session", ("D", 2.0)),
    (pd.date_range("2020-01-01", periods=300, freq="D"), 365, "daily", "24/7", ("D", 1.0)),
    (pd.date_range("2020-01-03", periods=100, freq="W-FRI"), 52, "weekly", "", ("W", 1.0)),
    (pd.date_range("2020-01-03", periods=100, freq="2W-FRI"), 26, "2-week", "", ("W", 2.0)),
    (pd.date_range("2010-01-31", periods=60, freq="BME"), 12, "monthly", "", ("M", 1.0)),
    (pd.date_range("2010-03-31", periods=40, freq="QE"), 4, "quarterly", "", ("M", 3.0)),
])
def test_bars_per_year_from_calendar_and_bar_length(index, want, bar, calendar, unit):
    freq = fm.bar_frequency(index)
    assert freq.periods_per_year == want
    assert (freq.bar, freq.calendar, freq.source) == (bar, calendar, "inferred")
    assert (freq.unit, freq.size) == unit
    assert fl.period_label(1, index) == f"{unit[1]:g}{unit[0]}"  # labels use the same rule
    warnings.simplefilter("always", fm.AnnualizationWarning)
    with pytest.warns(fm.AnnualizationWarning, match=f"{want:,}"):
        got = fm.periods_per_year(index)
    assert got == want


def test_session_bars_per_day_are_counted_not_assumed():
    # 7 hourly bars a weekday (09:30 .. 15:30) is 1,764 a year, not 252 * 6.5 = 1,638
    hourly = minute_session(n_days=30, per_day=7, minutes=60)
    assert fm.bar_frequency(hourly).periods_per_year == 252 * 7
    # a half-day and a missing bar do not move the median bars per day
    assert fm.bar_frequency(hourly.delete([5, 6, 7])).periods_per_year == 252 * 7
    # a tz-aware index is read in its own wall time; the calendar survives conversion to UTC
    ny = hourly.tz_localize("America/New_York")
    assert fm.bar_frequency(ny).periods_per_year == fm.bar_frequency(ny.tz_convert("UTC")).periods_per_year == 1764


def test_market_overrides_the_calendar_and_periods_per_year_everything():
    idx = minute_session()
    assert fm.bar_frequency(idx, market="24h").periods_per_year == 525_600  # 365 days of 1,440 minutes
    assert fm.bar_frequency(hourly_24_7(), market="equity").periods_per_year == 252 * 24
    given = fm.bar_frequency(idx, periods_per_year=1000)
    assert given.periods_per_year == 1000 and given.source == "given"
    assert given.note == "annualised with 1,000 bars/year (periods_per_year= given; the index is minute, " \
                         "session calendar)"
    assert fm.bar_frequency(np.zeros(4)).note == ("annualised with 252 bars/year (no DatetimeIndex to infer "
                                                  "from: daily bars assumed, session calendar)")
    for bad in (0, -1, np.inf, "x"):
        with pytest.raises(ParameterError, match="periods_per_year"):
            fm.bar_frequency(idx, periods_per_year=bad)
    with pytest.raises(ParameterError, match="market"):
        fm.bar_frequency(idx, market="crypto")


def test_inferred_note_states_figure_bar_and_calendar():
    assert fm.bar_frequency(hourly_24_7()).note == "annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred)"
    assert fm.bar_frequency(minute_session()).note == ("annualised with 98,280 bars/year (minute, session "
                                                       "calendar, inferred)")


# --------------------------------------------------------------------------- metrics on each bar frequency
def test_hourly_24_7_statistics(rng):
    idx = hourly_24_7()
    r = pd.Series(rng.normal(0.00005, 0.004, len(idx)), index=idx)
    stats = fm.summary_stats(r)
    assert stats["sharpe"] == pytest.approx(hand_sharpe(r.to_numpy(), 8760), rel=1e-12)
    assert stats["sharpe"] == pytest.approx(ep.sharpe_ratio(r, annualization=8760), rel=1e-9)
    assert stats["annual_volatility"] == pytest.approx(r.std() * math.sqrt(8760), rel=1e-12)
    assert stats["cagr"] == pytest.approx(hand_cagr(r.to_numpy(), 8760), rel=1e-9)
    # an equity session would understate the Sharpe by sqrt(1638 / 8760)
    session = fm.sharpe_ratio(r, periods_per_year=1638)
    assert session / stats["sharpe"] == pytest.approx(math.sqrt(1638 / 8760), rel=1e-12)


def test_minute_session_statistics(rng):
    idx = minute_session(n_days=10)
    r = pd.Series(rng.normal(0.0, 0.0005, len(idx)), index=idx)
    stats = fm.summary_stats(r)
    assert stats["sharpe"] == pytest.approx(hand_sharpe(r.to_numpy(), 98_280), rel=1e-12)
    assert stats["sortino"] == pytest.approx(ep.sortino_ratio(r, annualization=98_280), rel=1e-9)
    assert stats["annual_volatility"] == pytest.approx(ep.annual_volatility(r, annualization=98_280), rel=1e-9)
    assert stats["cagr"] == pytest.approx(hand_cagr(r.to_numpy(), 98_280), rel=1e-9)
    assert fm.summary_stats(r, market="24h")["sharpe"] == pytest.approx(hand_sharpe(r.to_numpy(), 525_600))


def test_daily_24_7_crypto_file():
    prices = pd.read_parquet(CRYPTO)
    btc = prices["BTC"].dropna()
    r = btc.pct_change().dropna()
    freq = fm.bar_frequency(r)
    assert (freq.periods_per_year, freq.bar, freq.calendar) == (365, "daily", "24/7")
    stats = fm.summary_stats(r)
    assert stats["sharpe"] == pytest.approx(ep.sharpe_ratio(r, annualization=365), rel=1e-9)
    assert stats["annual_volatility"] == pytest.approx(ep.annual_volatility(r, annualization=365), rel=1e-9)
    n = len(r)
    assert stats["cagr"] == pytest.approx((btc.iloc[-1] / btc.iloc[0]) ** (365 / n) - 1, rel=1e-9)
    given = fm.summary_stats(r, periods_per_year=252)
    assert given["sharpe"] == pytest.approx(stats["sharpe"] * math.sqrt(252 / 365), rel=1e-12)


@pytest.mark.parametrize("rule,ppy,unit", [("W-FRI", 52, "W"), ("BME", 12, "M")])
def test_weekly_and_monthly_statistics_and_alpha(rule, ppy, unit):
    daily = pd.read_parquet(SP500).iloc[:, :40]
    prices = daily.resample(rule).last()
    r = prices.iloc[:, 0].pct_change().dropna()
    stats = fm.summary_stats(r)
    assert stats["sharpe"] == pytest.approx(ep.sharpe_ratio(r, annualization=ppy), rel=1e-9)
    assert stats["cagr"] == pytest.approx(hand_cagr(r.to_numpy(), ppy), rel=1e-9)
    fd = fl.prepare_factor_data(reversal(prices, 1), prices, periods=(1, 2), quantiles=4)
    assert fd.labels == (f"1{unit}", f"2{unit}")
    fr = fl.factor_returns(fd)
    table = fl.factor_alpha_beta(fd, fr)
    for n, label in zip((1, 2), fd.labels):
        a = hand_alpha(fd, fr, label)
        assert table.loc["Ann. alpha", label] == pytest.approx((1 + a) ** (ppy / n) - 1, rel=1e-8)


def test_factor_alpha_on_hourly_24_7(rng):
    prices = prices_on(hourly_24_7(30), 20, rng)
    fd = fl.prepare_factor_data(reversal(prices), prices, periods=(1, 5), quantiles=4)
    assert fd.labels == ("1h", "5h")
    fr = fl.factor_returns(fd)
    table = fl.factor_alpha_beta(fd, fr)
    for n, label in zip((1, 5), fd.labels):
        a = hand_alpha(fd, fr, label)
        # an N-bar alpha compounds 8,760 / N times a year; not a calendar Timedelta (252 days / 5 hours)
        assert table.loc["Ann. alpha", label] == pytest.approx((1 + a) ** (8760 / n) - 1, rel=1e-8)
    given = fl.factor_alpha_beta(fd, fr, periods_per_year=1000)
    a5 = hand_alpha(fd, fr, "5h")
    assert given.loc["Ann. alpha", "5h"] == pytest.approx((1 + a5) ** (1000 / 5) - 1, rel=1e-8)
    with pytest.raises(ParameterError, match="not both"):
        fl.factor_alpha_beta(fd, fr, periods_per_year=252, days_per_year=252)


def test_alpha_from_an_alphalens_frame_counts_bars_from_labels(rng):
    # 5-minute session bars: the horizon '10m' is 2 bars; a frame without prices gives the same alpha
    prices = prices_on(minute_session(n_days=6, per_day=78, minutes=5), 16, rng)
    fd = fl.prepare_factor_data(reversal(prices), prices, periods=(1, 2), quantiles=4)
    assert fd.labels == ("5m", "10m")
    fr = fl.factor_returns(fd)
    table = fl.factor_alpha_beta(fd, fr)
    a = hand_alpha(fd, fr, "10m")
    assert table.loc["Ann. alpha", "10m"] == pytest.approx((1 + a) ** (252 * 78 / 2) - 1, rel=1e-8)
    bare = fl.FactorData.from_frame(fd.frame)
    pd.testing.assert_frame_equal(fl.factor_alpha_beta(bare, fr), table, rtol=1e-10)


# --------------------------------------------------------------------------- no overflow
def test_annualise_return_never_overflows():
    assert fm.annualise_return(0.01, 525_600, 1) == math.inf  # (1.01) ** 525600 is beyond a float
    assert fm.annualise_return(0.0, 525_600, 1) == 0.0
    assert fm.annualise_return(-1.0, 252, 1) == -1.0
    assert math.isnan(fm.annualise_return(-1.5, 252, 1))
    assert math.isnan(fm.annualise_return(np.nan, 252, 1))
    assert fm.annualise_return(0.001, 252, 5) == pytest.approx(1.001 ** (252 / 5) - 1, rel=1e-12)
    out = fm.annualise_return(np.array([0.01, -0.01]), 98_280, 1)
    assert out[0] == math.inf and out[1] == pytest.approx(-1.0, abs=1e-12)  # 0.99 ** 98280 underflows to 0
    # the metrics that compound (CAGR, alpha) on minute bars: inf, without an error or a numpy warning
    idx = minute_session(n_days=1)
    r = pd.Series(0.01, index=idx)
    bench = pd.Series(np.tile([0.001, -0.001], len(idx) // 2), index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fm.cagr(r, periods_per_year=98_280) == math.inf
        alpha, beta = fm.alpha_beta(r + bench, bench, periods_per_year=98_280)
        stats = fm.summary_stats(r + bench, bench, periods_per_year=98_280)
    assert alpha == math.inf and beta == pytest.approx(1.0, rel=1e-9)
    assert stats["cagr"] == math.inf and stats["alpha"] == math.inf


def test_minute_alpha_is_inf_not_overflow_error():
    idx = minute_session(n_days=2)
    x = np.linspace(-0.001, 0.001, len(idx))
    rows = np.column_stack([x - 0.0005, x, x + 0.0005, x + 0.001])
    prices = pd.DataFrame(100 * np.cumprod(1 + rows, axis=0), index=idx, columns=list("ABCD"))
    fd = fl.prepare_factor_data(reversal(prices, 1), prices, periods=(1,), quantiles=2)
    big = pd.DataFrame({"1m": 0.01 + 0.5 * fd.returns["1m"].where(fd.mask).mean(axis=1)}, index=fd.dates)
    table = fl.factor_alpha_beta(fd, big)
    assert table.loc["Ann. alpha", "1m"] == math.inf
    assert table.loc["beta", "1m"] == pytest.approx(0.5, rel=1e-9)


# --------------------------------------------------------------------------- tear sheets and reports
def test_minute_panel_full_tear_sheet(rng):
    prices = prices_on(minute_session(n_days=5), 24, rng, vol=0.0008)
    ts = fl.create_full_tear_sheet(reversal(prices), prices, periods=(1, 5, 30), quantiles=4)
    assert list(ts.tables["headline"].columns) == ["1m", "5m", "30m"]
    assert any("annualised with 98,280 bars/year (minute, session calendar, inferred)" in n.lower()
               for n in ts.notes)
    a = ts.analysis
    for label in ("1m", "5m", "30m"):
        r = a.interleaved[label]["long_short"].to_numpy()
        assert ts.tables["headline"].loc["long-short Sharpe", label] == pytest.approx(hand_sharpe(r, 98_280),
                                                                                      rel=1e-9)
        assert ts.tables["headline"].loc["long-short annual return", label] == pytest.approx(
            hand_cagr(r, 98_280), rel=1e-6)
    alpha = ts.tables["returns_table"].loc["Ann. alpha (vs equal-weighted universe)"]
    assert not alpha.isna().any()  # a number, or inf when the growth exceeds a float; never an exception
    sharpe = ts.tables["headline"].loc["long-short Sharpe"]
    assert np.isfinite(sharpe).all() and (sharpe.abs() < 100).all()


def test_tear_sheet_periods_per_year_override(rng):
    prices = prices_on(hourly_24_7(20), 16, rng)
    factor = reversal(prices)
    inferred = fl.create_summary_tear_sheet(factor, prices, periods=(1, 4), quantiles=4)
    given = fl.create_summary_tear_sheet(factor, prices, periods=(1, 4), quantiles=4, periods_per_year=1000)
    assert any("8,760 bars/year (hourly, 24/7 calendar, inferred)" in n for n in inferred.notes)
    assert any("1,000 bars/year (periods_per_year= given; the index is hourly, 24/7 calendar)" in n
               for n in given.notes)
    assert "Annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred)." in inferred._repr_html_()
    for label in ("1h", "4h"):  # the headline annualises hourly 24/7 bars with 8,760, not an equity session
        r = inferred.analysis.interleaved[label]["long_short"].to_numpy()
        assert inferred.tables["headline"].loc["long-short Sharpe", label] == pytest.approx(hand_sharpe(r, 8760),
                                                                                           rel=1e-9)
    ratio = given.tables["headline"].loc["long-short Sharpe"] / inferred.tables["headline"].loc["long-short Sharpe"]
    np.testing.assert_allclose(ratio.to_numpy(), math.sqrt(1000 / 8760), rtol=1e-12)
    fd = inferred.analysis.fd
    fr = fl.factor_returns(fd)
    a4 = hand_alpha(fd, fr, "4h")
    alpha_row = "Ann. alpha (vs equal-weighted universe)"
    assert given.tables["returns_table"].loc[alpha_row, "4h"] == pytest.approx((1 + a4) ** (1000 / 4) - 1,
                                                                                  rel=1e-8)


def test_returns_report_states_and_uses_the_figure(rng):
    idx = hourly_24_7(20)
    r = pd.Series(rng.normal(0.0001, 0.003, len(idx)), index=idx, name="strategy")
    sheet = fl.create_returns_tear_sheet(r)
    assert sheet.periods_per_year == 8760
    assert sheet.stats.loc["sharpe", "strategy"] == pytest.approx(hand_sharpe(r.to_numpy(), 8760), rel=1e-12)
    html = sheet.to_html()
    assert "annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred)" in html
    given = fl.create_returns_tear_sheet(r, periods_per_year=365 * 24 * 2)
    assert given.stats.loc["sharpe", "strategy"] == pytest.approx(hand_sharpe(r.to_numpy(), 17_520), rel=1e-12)
    assert "17,520 bars/year (periods_per_year= given" in given.to_html()


def test_backtest_stats_use_the_rule(rng):
    prices = prices_on(hourly_24_7(15), 8, rng)
    result = fl.run_backtest(fl.FactorStrategy(reversal(prices)), prices, progress=False)
    assert result.periods_per_year == 8760
    r = result.returns.to_numpy()
    assert result.stats["sharpe"] == pytest.approx(hand_sharpe(r, 8760), rel=1e-9)
    report = result.tear_sheet()
    assert report.periods_per_year == 8760
    assert report.bar_frequency.note == "annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred)"
    reference = (result.returns * 0.5).rename("reference")
    diff = (result.returns - reference).to_numpy()
    cmp = fl.compare(reference, result, frictions=False)
    assert cmp.tracking_error == pytest.approx(np.std(diff, ddof=1) * math.sqrt(8760), rel=1e-9)
    cmp = fl.compare(reference, result, frictions=False, periods_per_year=1000)
    assert cmp.tracking_error == pytest.approx(np.std(diff, ddof=1) * math.sqrt(1000), rel=1e-9)


# --------------------------------------------------------------------------- labels
def test_rate_of_return_in_the_data_unit():
    mean = pd.DataFrame({"1M": [0.01, 0.02], "3M": [0.0301, 0.0612]}, index=[1, 2])
    per_month = fl.rate_of_return(mean, "1M")
    np.testing.assert_allclose(per_month["3M"], [1.0301 ** (1 / 3) - 1, 1.0612 ** (1 / 3) - 1], rtol=1e-12)
    np.testing.assert_allclose(fl.rate_of_return(pd.DataFrame({"2W": [0.0201]}), "1W")["2W"],
                               [1.0201 ** 0.5 - 1], rtol=1e-12)
    with pytest.raises(ParameterError, match="months"):
        fl.rate_of_return(mean, "1D")


@pytest.mark.parametrize("index,period,label", [
    (hourly_24_7(3), 4, "4h"),
    (pd.date_range("2021-03-01", periods=500, freq="5min"), 3, "15m"),
    (pd.bdate_range("2020-01-01", periods=50), 5, "5D"),
    (pd.date_range("2020-01-03", periods=30, freq="W-FRI"), 2, "2W"),
    (pd.date_range("2010-01-31", periods=30, freq="ME"), 1, "1M"),
    (pd.date_range("2010-03-31", periods=30, freq="QE"), 2, "6M"),
])
def test_period_labels_in_the_data_unit(index, period, label):
    assert fl.period_label(period, index) == label


def test_tearsheet_command_states_and_overrides_bars_per_year(tmp_path, monkeypatch, capsys, rng):
    from factorlab.cli import main

    prices = prices_on(hourly_24_7(10), 12, rng)
    prices.to_csv(tmp_path / "p.csv")
    (-prices.pct_change(3, fill_method=None)).to_parquet(tmp_path / "f.parquet")
    monkeypatch.chdir(tmp_path)
    args = ["tearsheet", "--factor", "f.parquet", "--prices", "p.csv", "--periods", "1,4", "--quantiles", "4"]
    assert main([*args, "--report", "a.html"]) == 0
    assert "Annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred)." in capsys.readouterr().out
    assert main([*args, "--periods-per-year", "1000", "--report", "b.html"]) == 0
    out = capsys.readouterr().out
    assert "Annualised with 1,000 bars/year (periods_per_year= given; the index is hourly, 24/7 calendar)." in out
