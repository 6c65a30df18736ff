"""Quantile turnover and factor rank autocorrelation (factorlab.factor._turnover).

Golden values come from two independent sources: alphalens-reloaded on the
real S&P 500 data (150 assets, all dates) and hand-computed tiny cases.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError

al = pytest.importorskip("alphalens")

N_ASSETS = 150
PERIODS = (1, 5)
RTOL, ATOL = 1e-9, 1e-12


# --------------------------------------------------------------------------- real-data parity
def _subset(factor: pd.Series, assets: pd.Index) -> pd.Series:
    return factor[factor.index.get_level_values("asset").isin(assets)]


@pytest.fixture(scope="module")
def universe(sp500_prices, sp500_sectors, reversal_factor, momentum_factor):
    prices = sp500_prices.iloc[:, :N_ASSETS]
    return {"prices": prices, "sectors": sp500_sectors,
            "reversal": _subset(reversal_factor, prices.columns),
            "momentum": _subset(momentum_factor, prices.columns)}


@pytest.fixture(scope="module")
def cases(universe):
    """name -> (FactorData, alphalens frame). The reversal case runs Alphalens' own
    get_clean_factor_and_forward_returns with sectors (its frame carries a trading
    calendar frequency); the momentum case feeds factorlab's frame (no frequency,
    no groups) to Alphalens."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rev_frame = al.utils.get_clean_factor_and_forward_returns(
            universe["reversal"], universe["prices"], groupby=universe["sectors"].to_dict(), quantiles=5,
            periods=PERIODS, filter_zscore=None)
        rev_fd = fl.prepare_factor_data(universe["reversal"], universe["prices"], periods=PERIODS,
                                        groupby=universe["sectors"])
        # point in time, factorlab also has the last dates (quantiles, no 5D return); on the rows with
        # every horizon its frame is Alphalens' (tests/test_prepare.py): compare the statistics on those
        complete = rev_fd.frame.dropna(subset=list(rev_fd.labels))
        rev_fd = fl.FactorData.from_frame(complete, prices=universe["prices"])
        mom_fd = fl.prepare_factor_data(universe["momentum"], universe["prices"], periods=PERIODS)
    return {"reversal": (rev_fd, rev_frame), "momentum": (mom_fd, mom_fd.frame)}


@pytest.fixture(scope="module")
def al_turnover(cases):
    """Alphalens quantile_turnover for every case, quantile and period, computed once."""
    out = {}
    for name, (_, frame) in cases.items():
        for p in PERIODS:
            for q in range(1, 6):
                out[name, q, p] = al.performance.quantile_turnover(frame["factor_quantile"], q, p)
    return out


@pytest.fixture(scope="module")
def al_autocorr(cases):
    return {(name, p): al.performance.factor_rank_autocorrelation(frame, p)
            for name, (_, frame) in cases.items() for p in PERIODS}


def _assert_series_equal(ours: pd.Series, ref: pd.Series) -> None:
    assert ours.index.as_unit("ns").equals(ref.index.as_unit("ns"))  # pandas 2.2 Alphalens returns ns
    assert ours.name == ref.name
    np.testing.assert_array_equal(np.isnan(ours.to_numpy()), np.isnan(ref.to_numpy().astype(float)))
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy().astype(float), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["reversal", "momentum"])
@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("quantile", [1, 2, 3, 4, 5])
def test_quantile_turnover_matches_alphalens(cases, al_turnover, name, period, quantile):
    fd, frame = cases[name]
    ref = al_turnover[name, quantile, period]
    _assert_series_equal(fl.quantile_turnover(fd, quantile, period), ref)
    # the Alphalens frame (with its calendar frequency) gives the same through from_frame
    _assert_series_equal(fl.quantile_turnover(fl.FactorData.from_frame(frame), quantile, period), ref)


@pytest.mark.parametrize("name", ["reversal", "momentum"])
@pytest.mark.parametrize("period", PERIODS)
def test_factor_rank_autocorrelation_matches_alphalens(cases, al_autocorr, name, period):
    fd, frame = cases[name]
    ref = al_autocorr[name, period]
    _assert_series_equal(fl.factor_rank_autocorrelation(fd, period), ref)
    _assert_series_equal(fl.factor_rank_autocorrelation(fl.FactorData.from_frame(frame), period), ref)


@pytest.mark.parametrize("name", ["reversal", "momentum"])
def test_turnover_table_matches_alphalens_tear_sheet(cases, al_turnover, al_autocorr, name):
    fd, _ = cases[name]
    quantile_turnover = {p: pd.concat([al_turnover[name, q, p] for q in range(1, 6)], axis=1)
                         for p in PERIODS}
    autocorr = pd.concat([al_autocorr[name, p] for p in PERIODS], axis=1)
    ref, _ = al.plotting.plot_turnover_table(autocorr, quantile_turnover, return_df=True)
    ours = fl.quantile_turnover_table(fd)
    # Alphalens' labels end in a stray space ('Quantile 1 Mean Turnover ')
    assert list(ours.index) == [label.strip() for label in ref.index]
    assert list(ours.columns) == list(ref.columns) == ["1D", "5D"]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(dtype=float), rtol=RTOL, atol=ATOL)


def test_reversal_turns_over_faster_than_momentum(cases):
    rev = fl.factor_rank_autocorrelation(cases["reversal"][0]).mean()
    mom = fl.factor_rank_autocorrelation(cases["momentum"][0]).mean()
    assert mom > 0.9 and rev < mom


# --------------------------------------------------------------------------- hand-computed cases
DATES = pd.DatetimeIndex(["2021-03-01", "2021-03-02", "2021-03-03"], name="date")  # no frequency

# factor values; ranks equal the values; 2 quantiles: the two lowest -> 1
#          A  B  C  D
# d1       1  2  3  4    Q1 {A, B}  Q2 {C, D}
# d2       4  1  2  3    Q1 {B, C}  Q2 {D, A}
# d3       3  4  1  2    Q1 {C, D}  Q2 {A, B}
TINY = np.array([[1.0, 2, 3, 4], [4, 1, 2, 3], [3, 4, 1, 2]])


def tiny_fd(values: np.ndarray = TINY, dates: pd.DatetimeIndex = DATES,
            freq_level: bool = False) -> fl.FactorData:
    """A FactorData of 4 assets with 2 quantiles (the lower half of a date, rounded up -> 1)."""
    wide = pd.DataFrame(values, index=dates, columns=pd.Index(list("ABCD"), name="asset"))
    long = wide.stack().dropna().rename("factor").to_frame()
    long.index.names = ["date", "asset"]
    ranks = long.groupby(level="date")["factor"].rank()
    counts = long.groupby(level="date")["factor"].transform("count")
    long["1D"] = 0.01
    long["factor_quantile"] = np.where(ranks <= np.ceil(counts / 2), 1, 2)
    if not freq_level:
        return fl.FactorData.from_frame(long)
    # a frame whose date level keeps the full calendar (as Alphalens frames do)
    full = pd.date_range(dates[0], dates[-1], freq="D", name="date")
    codes = full.get_indexer(long.index.get_level_values("date"))
    idx = pd.MultiIndex(levels=[full, long.index.levels[1]], codes=[codes, long.index.codes[1]],
                        names=["date", "asset"])
    return fl.FactorData.from_frame(long.set_axis(idx))


def test_quantile_turnover_hand_computed():
    fd = tiny_fd()
    # Q1: d2 {B,C} vs d1 {A,B}: C new -> 1/2; d3 {C,D} vs {B,C}: D new -> 1/2
    np.testing.assert_array_equal(fl.quantile_turnover(fd, 1, 1).to_numpy(), [np.nan, 0.5, 0.5])
    # Q1 over 2 dates: d3 {C,D} vs d1 {A,B}: both new -> 1
    np.testing.assert_array_equal(fl.quantile_turnover(fd, 1, 2).to_numpy(), [np.nan, np.nan, 1.0])
    # Q2: d2 {A,D} vs {C,D}: A new; d3 {A,B} vs {A,D}: B new
    out = fl.quantile_turnover(fd, 2, 1)
    np.testing.assert_array_equal(out.to_numpy(), [np.nan, 0.5, 0.5])
    assert out.name == 2 and out.index.equals(DATES)


def test_quantile_turnover_table_hand_computed():
    table = fl.quantile_turnover_table(tiny_fd(), periods=(1, 2))
    # means of the series above: Q1 (0.5, 0.5) and (1,); Q2 (0.5, 0.5) and d3 {A,B} vs d1 {C,D} -> 1
    expected = pd.DataFrame([[0.5, 1.0], [0.5, 1.0]],
                            index=["Quantile 1 Mean Turnover", "Quantile 2 Mean Turnover"],
                            columns=["1D", "2D"])
    pd.testing.assert_frame_equal(table, expected)


def test_factor_rank_autocorrelation_hand_computed():
    fd = tiny_fd()
    # corr((4,1,2,3), (1,2,3,4)): deviations (1.5,-1.5,-.5,.5) and (-1.5,-.5,.5,1.5),
    # products sum -1, squares sum 5 each -> -0.2; d3 vs d2 likewise -0.2
    np.testing.assert_allclose(fl.factor_rank_autocorrelation(fd, 1).to_numpy(), [np.nan, -0.2, -0.2])
    # d3 vs d1: (3,4,1,2) vs (1,2,3,4): products -.75 x 4 = -3 over 5 -> -0.6
    out = fl.factor_rank_autocorrelation(fd, 2)
    np.testing.assert_allclose(out.to_numpy(), [np.nan, np.nan, -0.6])
    assert out.name == 2


def test_rank_autocorrelation_ranks_whole_date_correlates_common_assets():
    values = TINY.copy()
    values[1, 3] = np.nan  # D absent on d2
    fd = tiny_fd(values)
    # d2 ranks among A,B,C: (3,1,2); d1 ranks of A,B,C among all four: (1,2,3)
    # deviations (1,-1,0) and (-1,0,1): products -1, squares 2 and 2 -> -0.5
    # d3 ranks of A,B,C among all four (3,4,1) vs d2 (3,1,2): deviations (1/3,4/3,-5/3) and
    # (1,-1,0): products -1, squares 42/9 and 2 -> -1 / sqrt(84/9) = -3 / sqrt(84)
    np.testing.assert_allclose(fl.factor_rank_autocorrelation(fd, 1).to_numpy(),
                               [np.nan, -0.5, -3 / np.sqrt(84)], rtol=1e-12)


# --------------------------------------------------------------------------- degenerate inputs
def test_one_date_gives_nan():
    fd = tiny_fd(TINY[:1], DATES[:1])
    out = fl.quantile_turnover(fd, 1)
    assert len(out) == 1 and np.isnan(out.iloc[0])
    ac = fl.factor_rank_autocorrelation(fd)
    assert len(ac) == 1 and np.isnan(ac.iloc[0])
    assert fl.quantile_turnover_table(fd, periods=(1,)).isna().all().all()


def _absent_q2_on_d2() -> np.ndarray:
    # d2 keeps only B (1): a lone name is quantile 1, quantile 2 is absent that date
    values = TINY.copy()
    values[1, [0, 2, 3]] = np.nan
    return values


def test_quantile_absent_on_a_date_shifts_over_dates_present():
    fd = tiny_fd(_absent_q2_on_d2())
    out = fl.quantile_turnover(fd, 2, 1)
    # dates where Q2 has names: d1 {C,D}, d3 {A,B}; d3 compares with d1 -> both new
    assert out.index.equals(DATES[[0, 2]])
    np.testing.assert_array_equal(out.to_numpy(), [np.nan, 1.0])


def test_quantile_absent_on_a_date_with_calendar_frequency():
    fd = tiny_fd(_absent_q2_on_d2(), freq_level=True)
    assert fd.dates.freq is not None
    out = fl.quantile_turnover(fd, 2, 1)
    # on the calendar grid d2 is empty: d2 and d3 (whose previous date is empty) are NaN
    assert out.index.equals(DATES)
    assert out.isna().all()
    # Q1 on d2 is {B}: B was in Q1 on d1 -> 0; d3 {C,D} vs {B} -> 1
    np.testing.assert_array_equal(fl.quantile_turnover(fd, 1, 1).to_numpy(), [np.nan, 0.0, 1.0])


def test_fewer_than_two_common_assets_gives_nan():
    values = TINY.copy()
    values[1, 1:] = np.nan  # d2 keeps A only
    ac = fl.factor_rank_autocorrelation(tiny_fd(values), 1)
    assert np.isnan(ac.iloc[1]) and np.isnan(ac.iloc[2])


@pytest.mark.parametrize("quantile", [0, 3, -1, 1.5, "1", None, True])
def test_bad_quantile_raises(quantile):
    with pytest.raises(ParameterError, match=r"1\.\.2"):
        fl.quantile_turnover(tiny_fd(), quantile)


@pytest.mark.parametrize("period", [0, -1, 1.5, "1", None, True])
def test_bad_period_raises(period):
    fd = tiny_fd()
    with pytest.raises(ParameterError, match="positive integer"):
        fl.quantile_turnover(fd, 1, period)
    with pytest.raises(ParameterError, match="positive integer"):
        fl.factor_rank_autocorrelation(fd, period)
    with pytest.raises(ParameterError, match="positive integer"):
        fl.quantile_turnover_table(fd, periods=(1, period))


def test_inputs_not_mutated():
    fd = tiny_fd()
    before = {"factor": fd.factor.copy(), "quantile": fd.quantile.copy(), "frame": fd.frame.copy()}
    fl.quantile_turnover(fd, 1, 1)
    fl.quantile_turnover_table(fd, periods=(1, 2))
    fl.factor_rank_autocorrelation(fd, 1)
    pd.testing.assert_frame_equal(fd.factor, before["factor"])
    pd.testing.assert_frame_equal(fd.quantile, before["quantile"])
    pd.testing.assert_frame_equal(fd.frame, before["frame"])


def test_invariant_to_monotone_transform_of_factor():
    fd = tiny_fd()
    wide = fd.factor
    fd2 = tiny_fd(np.exp(wide.to_numpy()) * 3 + 7)
    pd.testing.assert_series_equal(fl.factor_rank_autocorrelation(fd, 1),
                                   fl.factor_rank_autocorrelation(fd2, 1))
    pd.testing.assert_series_equal(fl.quantile_turnover(fd, 1, 1), fl.quantile_turnover(fd2, 1, 1))


def test_rank_autocorrelation_of_several_lags_equals_the_correlation_over_common_names():
    """Every lag from per-date sums of the ranks: on dates ranking the same names exact sums of rank
    products, elsewhere the correlation over the names common to both dates. Checked
    against pandas' corrwith of the rank frames (Alphalens' computation) on a panel with names
    entering and leaving, ties, a constant date and a date with one name."""
    from factorlab.factor._turnover import rank_autocorrelations

    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2021-01-04", periods=40)
    assets = [f"A{i}" for i in range(12)]
    f = pd.DataFrame(rng.standard_normal((40, 12)).round(1), index=dates, columns=assets)  # ties
    f.iloc[:8, 10:] = np.nan   # two names enter on date 8
    f.iloc[30:, 0] = np.nan    # one leaves on date 30
    f.iloc[15] = 0.5           # a constant date
    f.iloc[20, 1:] = np.nan    # a date with one name
    long = f.stack().rename("factor").to_frame()
    long.index.names = ["date", "asset"]
    long["1D"] = 0.0
    long["factor_quantile"] = 1
    fd = fl.FactorData.from_frame(long[["1D", "factor", "factor_quantile"]])
    assert len(fd.dates) == 40
    ranks = pd.DataFrame(fd.factor_ranks, index=fd.dates, columns=fd.assets)
    lags = (1, 3, 7)
    got = rank_autocorrelations(fd, lags)
    for lag in lags:
        expected = ranks.corrwith(ranks.shift(lag), axis=1)
        ours = got[lag]
        np.testing.assert_array_equal(np.isnan(ours.to_numpy()), np.isnan(expected.to_numpy()))
        np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), rtol=1e-13, atol=1e-15)
        pd.testing.assert_series_equal(fl.factor_rank_autocorrelation(fd, lag), ours)
    assert np.isnan(got[1].iloc[15]) and np.isnan(got[1].iloc[16]) and np.isnan(got[1].iloc[21])
    assert np.isfinite(got[1].iloc[14]) and np.isfinite(got[3].iloc[25])
