"""Information coefficient: parity with alphalens-reloaded, golden values, degenerate inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError
from factorlab.factor import FactorData

al = pytest.importorskip("alphalens")

from _oracle import ATOL, RTOL, al_frame, assert_same, run_al  # noqa: E402


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def rev_frame(reversal_factor, sp500_prices, sp500_sectors):
    """Full universe (471 assets), 5-day reversal, with sectors, on 260 dates (alphalens' IC is slow)."""
    return al_frame(reversal_factor, sp500_prices, sp500_sectors, dates=slice(0, 270))


@pytest.fixture(scope="module")
def mom_frame(momentum_factor, sp500_prices, sp500_sectors):
    """12-1 momentum on the first 150 assets, about 400 dates."""
    return al_frame(momentum_factor, sp500_prices, sp500_sectors, n_assets=150, dates=slice(600, 1010))


@pytest.fixture(scope="module")
def small_frame(reversal_factor, sp500_prices, sp500_sectors):
    """150 assets x 90 dates, for the group-adjusted and time-bucketed calls."""
    return al_frame(reversal_factor, sp500_prices, sp500_sectors, n_assets=150, dates=slice(0, 100))


@pytest.fixture(scope="module")
def group_frame(reversal_factor, sp500_prices, sp500_sectors):
    """120 assets x 20 dates: alphalens' by_group IC runs a Python function per (date, group)."""
    return al_frame(reversal_factor, sp500_prices, sp500_sectors, n_assets=120, dates=slice(300, 330))


# --------------------------------------------------------------------------- parity
def test_ic_full_universe_matches_alphalens(rev_frame, reversal_factor, sp500_prices, sp500_sectors):
    expected = run_al(al.performance.factor_information_coefficient, rev_frame)
    # end to end: factorlab's own prepare_factor_data, then the IC
    dates = rev_frame.index.get_level_values("date")
    factor = reversal_factor[reversal_factor.index.get_level_values(0).isin(dates)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(factor, sp500_prices.iloc[:270], groupby=sp500_sectors)
    assert len(fd.assets) > 450
    assert_same(fl.information_coefficient(fd), expected)
    assert_same(fl.information_coefficient(FactorData.from_frame(rev_frame)), expected)


def test_ic_momentum_matches_alphalens(mom_frame):
    expected = run_al(al.performance.factor_information_coefficient, mom_frame)
    ic = fl.information_coefficient(FactorData.from_frame(mom_frame))
    assert_same(ic, expected)
    # and the tear sheet's 'Information Analysis' table built on it
    table = run_al(al.plotting.plot_information_table, ic, return_df=True)
    # Alphalens' columns (the naive t-test among them); factorlab adds the HAC ones
    pd.testing.assert_frame_equal(fl.ic_summary(ic)[table.columns], table, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kwargs", [dict(group_adjust=True), dict(by_group=True),
                                    dict(by_group=True, group_adjust=True)])
def test_ic_group_options_match_alphalens(small_frame, group_frame, kwargs):
    frame = group_frame if kwargs.get("by_group") else small_frame
    expected = run_al(al.performance.factor_information_coefficient, frame, **kwargs)
    assert_same(fl.information_coefficient(FactorData.from_frame(frame), **kwargs), expected)


@pytest.mark.parametrize("kwargs", [dict(), dict(by_time="ME"), dict(by_group=True),
                                    dict(by_group=True, by_time="ME"), dict(by_time="YE", group_adjust=True)])
def test_mean_ic_matches_alphalens(small_frame, group_frame, kwargs):
    frame = group_frame if kwargs.get("by_group") else small_frame
    expected = run_al(al.performance.mean_information_coefficient, frame, **kwargs)
    actual = fl.mean_information_coefficient(FactorData.from_frame(frame), **kwargs)
    if kwargs.get("by_group") and "by_time" in kwargs:
        # alphalens' categorical groups list every (month, sector) pair; factorlab only observed ones
        expected = expected.loc[actual.index]
    assert_same(actual, expected)


def test_ic_summary_definitions(rng):
    ic = pd.DataFrame({"1D": rng.normal(0.02, 0.1, 300), "5D": rng.normal(-0.01, 0.05, 300)})
    ic.iloc[[3, 50], 0] = np.nan  # missing days are skipped, not propagated
    table = fl.ic_summary(ic)
    clean = ic["1D"].dropna()
    from scipy import stats
    assert table.loc["1D", "IC Mean"] == pytest.approx(clean.mean(), rel=1e-12)
    assert table.loc["1D", "IC Std."] == pytest.approx(clean.std(ddof=1), rel=1e-12)
    assert table.loc["1D", "Risk-Adjusted IC"] == pytest.approx(clean.mean() / clean.std(), rel=1e-12)
    t = clean.mean() / (clean.std(ddof=1) / np.sqrt(len(clean)))
    assert table.loc["1D", "t-stat(IC)"] == pytest.approx(t, rel=1e-10)
    assert table.loc["1D", "p-value(IC)"] == pytest.approx(2 * stats.t.sf(abs(t), len(clean) - 1), rel=1e-8)
    assert table.loc["1D", "IC Skew"] == pytest.approx(stats.skew(clean), rel=1e-12)
    assert table.loc["1D", "IC Kurtosis"] == pytest.approx(stats.kurtosis(clean), rel=1e-12)
    expected = run_al(al.plotting.plot_information_table, ic, return_df=True)
    pd.testing.assert_frame_equal(table[expected.columns], expected, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- golden values
def tiny_frame(factor_rows, return_rows, groups=("g1", "g1", "g2", "g2")) -> pd.DataFrame:
    """Alphalens-layout frame for 4 assets over len(factor_rows) dates, one '1D' period."""
    dates = pd.date_range("2020-01-01", periods=len(factor_rows), freq="D", name="date")
    idx = pd.MultiIndex.from_product([dates, list("ABCD")], names=["date", "asset"])
    factor = np.ravel(factor_rows).astype(float)
    quant = np.ravel([np.where(np.asarray(f) > np.median(f), 2, 1) for f in factor_rows])
    return pd.DataFrame({"1D": np.ravel(return_rows).astype(float), "factor": factor,
                         "group": np.tile(groups, len(factor_rows)), "factor_quantile": quant}, index=idx)


GOLDEN_FACTOR = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 1, 3, 4]]
GOLDEN_RETURNS = [[0.01, 0.02, 0.03, 0.04],   # same order as the factor: rho = 1
                  [0.04, 0.03, 0.02, 0.01],   # reversed: rho = -1
                  [0.02, 0.01, 0.04, 0.03],   # ranks 2,1,4,3: sum d^2 = 4, rho = 1 - 6*4/(4*15) = 0.6
                  [0.01, 0.02, 0.03, 0.04]]   # factor ties: ranks 1.5,1.5,3,4 -> rho = sqrt(4.5/5)


def test_ic_golden_values():
    fd = FactorData.from_frame(tiny_frame(GOLDEN_FACTOR, GOLDEN_RETURNS))
    ic = fl.information_coefficient(fd)
    # tie row by hand: centred ranks dx = (-1, -1, .5, 1.5), dy = (-1.5, -.5, .5, 1.5),
    # sxy = 4.5, sxx = 4.5, syy = 5  ->  4.5 / sqrt(4.5 * 5)
    np.testing.assert_allclose(ic["1D"].to_numpy(), [1.0, -1.0, 0.6, np.sqrt(0.9)], rtol=1e-14)
    assert ic.index.equals(fd.dates) and ic.index.name == "date"
    assert fl.mean_information_coefficient(fd)["1D"] == pytest.approx((1 - 1 + 0.6 + np.sqrt(0.9)) / 4)


def test_ic_group_golden_values():
    fd = FactorData.from_frame(tiny_frame(GOLDEN_FACTOR, GOLDEN_RETURNS))
    by_group = fl.information_coefficient(fd, by_group=True)
    # two names per group: rho = +1 if the pair is ordered alike, -1 if not, NaN on a factor tie
    expected = [1, 1, -1, -1, -1, -1, np.nan, 1]
    np.testing.assert_allclose(by_group["1D"].to_numpy(), expected)
    assert list(by_group.index.names) == ["date", "group"]
    assert list(by_group.index.get_level_values("group")) == ["g1", "g2"] * 4
    # group_adjust: subtract each pair's mean; with returns (1, 2, 3, 4) / 64 (exact in binary)
    # they become (-.5, .5, -.5, .5) / 64, ranks 1.5, 3.5, 1.5, 3.5 against factor ranks 1..4:
    # dx = (-1.5, -.5, .5, 1.5), dy = (-1, 1, -1, 1), sxy = 2, sxx = 5, syy = 4 -> 2 / sqrt(20)
    exact = FactorData.from_frame(tiny_frame([[1, 2, 3, 4]], [[1 / 64, 2 / 64, 3 / 64, 4 / 64]]))
    adjusted = fl.information_coefficient(exact, group_adjust=True)
    assert adjusted["1D"].iloc[0] == pytest.approx(2 / np.sqrt(20), rel=1e-14)
    assert fl.ic_by_group(fd).loc["g2", "1D"] == pytest.approx(np.mean([1, -1, -1, 1]))


def test_ic_invariant_to_monotone_transform(small_frame):
    frame = small_frame.copy()
    base = fl.information_coefficient(FactorData.from_frame(frame))
    frame["factor"] = np.exp(3 * frame["factor"]) + 7.0  # ranks unchanged
    np.testing.assert_allclose(fl.information_coefficient(FactorData.from_frame(frame)), base,
                               rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- degenerate inputs
def test_all_equal_factor_gives_nan_ic(quiet):
    frame = tiny_frame([[5, 5, 5, 5], [1, 2, 3, 4]], [[0.01, 0.02, 0.03, 0.04]] * 2)
    ic = fl.information_coefficient(FactorData.from_frame(frame))
    assert np.isnan(ic["1D"].iloc[0]) and ic["1D"].iloc[1] == pytest.approx(1.0)
    expected = al.performance.factor_information_coefficient(frame)  # spearmanr: NaN as well
    assert_same(ic, expected)


def test_all_equal_returns_give_nan_ic():
    frame = tiny_frame([[1, 2, 3, 4]], [[0.01] * 4])
    assert np.isnan(fl.information_coefficient(FactorData.from_frame(frame))["1D"].iloc[0])


def test_one_date_input():
    fd = FactorData.from_frame(tiny_frame([[1, 2, 3, 4]], [[0.01, 0.02, 0.03, 0.04]]))
    ic = fl.information_coefficient(fd)
    assert ic.shape == (1, 1) and ic.iloc[0, 0] == pytest.approx(1.0)
    summary = fl.ic_summary(ic)
    assert summary.loc["1D", "IC Mean"] == pytest.approx(1.0)
    assert summary[["IC Std.", "t-stat(IC)", "p-value(IC)"]].isna().all(axis=None)
    assert fl.mean_monthly_ic(ic).shape == (1, 1)


def test_empty_ic_summary_is_nan():
    summary = fl.ic_summary(pd.DataFrame({"1D": [np.nan, np.nan]}))
    assert summary.drop(columns="HAC lags").isna().all(axis=None)


def test_inputs_not_mutated(small_frame):
    frame = small_frame.copy()
    fd = FactorData.from_frame(frame)
    before = {k: v.copy() for k, v in fd.returns.items()}
    factor_before = fd.factor.copy()
    fl.information_coefficient(fd, group_adjust=True)
    fl.information_coefficient(fd, by_group=True, group_adjust=True)
    fl.mean_information_coefficient(fd, by_time="ME")
    for k, v in before.items():
        pd.testing.assert_frame_equal(fd.returns[k], v)
    pd.testing.assert_frame_equal(fd.factor, factor_before)
    pd.testing.assert_frame_equal(frame, small_frame)


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize("old, new", [("M", "ME"), ("Y", "YE"), ("Q", "QE"), ("A", "YE")])
def test_by_time_accepts_pre_pandas3_aliases(small_frame, old, new):
    fd = FactorData.from_frame(small_frame)
    pd.testing.assert_frame_equal(fl.mean_information_coefficient(fd, by_time=old),
                                  fl.mean_information_coefficient(fd, by_time=new))


def test_mean_monthly_ic_equals_by_time_month(small_frame):
    fd = FactorData.from_frame(small_frame)
    pd.testing.assert_frame_equal(fl.mean_monthly_ic(fl.information_coefficient(fd)),
                                  fl.mean_information_coefficient(fd, by_time="ME"))


def test_bad_options_raise(small_frame):
    fd = FactorData.from_frame(small_frame.drop(columns="group"))
    with pytest.raises(ParameterError, match="groupby"):
        fl.information_coefficient(fd, by_group=True)
    with pytest.raises(ParameterError, match="groupby"):
        fl.information_coefficient(fd, group_adjust=True)
    with pytest.raises(ParameterError, match="'ME'"):
        fl.mean_information_coefficient(fd, by_time="fortnight")
    with pytest.raises(ParameterError, match="offset"):
        fl.mean_information_coefficient(fd, by_time=3)


# --------------------------------------------------------------------------- IC decay
def _decay_reference(fd: FactorData, prices: pd.DataFrame, horizon: int) -> tuple[float, float]:
    """Plain per-date loop: scipy's spearmanr of the kept factor values with M[t+h]/P[t] - 1,
    M the last actual price (pandas' ffill)."""
    from scipy import stats

    marks = prices.ffill()
    ics = []
    for date in fd.dates:
        i = prices.index.get_loc(date)
        if i + horizon >= len(prices):
            continue
        f = fd.factor.loc[date].dropna()
        r = (marks.iloc[i + horizon] / prices.iloc[i] - 1)[f.index]
        ok = r.notna()
        if ok.sum() < 2 or f[ok].nunique() < 2 or r[ok].nunique() < 2:
            continue
        ics.append(stats.spearmanr(f[ok], r[ok])[0])
    ics = np.array(ics)
    return ics.mean(), ics.std(ddof=1) / np.sqrt(len(ics))


def _within(factor: pd.Series, prices: pd.DataFrame) -> pd.Series:
    idx = factor.index
    return factor[idx.get_level_values(0).isin(prices.index) & idx.get_level_values(1).isin(prices.columns)]


def test_ic_decay_matches_a_per_date_loop(reversal_factor, sp500_prices):
    prices = sp500_prices.iloc[:120, :80].copy()
    prices.iloc[40:47, 3] = np.nan  # a gap: those dates rank the factor again without that asset
    prices.iloc[60:, 5] = np.nan  # a delisting
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(_within(reversal_factor, prices), prices, periods=(1, 5), max_loss=0.5)
    out = fl.ic_decay(fd, horizons=(1, 2, 7, 30))
    assert list(out.index) == [1, 2, 7, 30]
    assert list(out["label"]) == ["1D", "2D", "7D", "30D"]
    for h in out.index:
        mean, se = _decay_reference(fd, prices, h)
        np.testing.assert_allclose(out.loc[h, ["ic_mean", "ic_std_err"]].to_numpy(dtype=float), [mean, se],
                                   rtol=1e-10)
    # its own periods: the same numbers as the information coefficient
    ic = fl.information_coefficient(fd)
    np.testing.assert_allclose(out.loc[1, "ic_mean"], ic["1D"].mean(), rtol=1e-12)


def test_ic_decay_default_horizons_and_prices_needed(reversal_factor, sp500_prices):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prices = sp500_prices.iloc[:80, :40]
        fd = fl.prepare_factor_data(_within(reversal_factor, prices), prices, periods=(1, 4), max_loss=0.5)
    assert list(fl.ic_decay(fd).index) == [1, 2, 3, 4, 5, 10, 15, 20]
    with pytest.raises(ParameterError, match="prices"):
        fl.ic_decay(FactorData.from_frame(fd.frame))


def test_ic_decay_in_blocks_of_dates_equals_one_block(reversal_factor, sp500_prices, monkeypatch):
    """ic_decay builds each horizon's returns a block of dates at a time: blocks of 7 dates give the
    same numbers, exactly, as one block for the whole panel."""
    from factorlab.factor import _decay

    prices = sp500_prices.iloc[:300, :80].copy()
    prices.iloc[100:120, 3] = np.nan  # a gap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(_within(reversal_factor, prices), prices, periods=(1, 5), max_loss=0.5)
    whole = fl.ic_decay(fd, horizons=(1, 5, 12))
    monkeypatch.setattr(_decay, "_BLOCK_CELLS", 7 * 80)
    pd.testing.assert_frame_equal(fl.ic_decay(fd, horizons=(1, 5, 12)), whole, check_exact=True)


def test_ic_from_returns_sorted_once_equals_sorting_them_again(reversal_factor, sp500_prices, monkeypatch):
    """The screen sorts each horizon's returns once for every factor: on dates where the factor ranks
    every asset with a return the IC reads their order from there, elsewhere it sorts them again.
    Both give information_coefficient's numbers bit for bit (ties included), in one block of dates
    or several, and a factor on fewer assets than the prices sorts its own returns."""
    from factorlab.factor import _blocks, forward_returns
    from factorlab.factor._information import SortedReturns, _information_coefficient

    prices = sp500_prices.iloc[:160, :60]
    fwd = forward_returns(prices, (1, 5))
    factor = reversal_factor.unstack().reindex(index=prices.index, columns=prices.columns).round(3)  # ties
    factor.iloc[40:60, :7] = np.nan  # dates where the factor leaves out assets that have returns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(factor.stack(), fwd, periods=(1, 5))
        narrow = fl.prepare_factor_data(factor.iloc[:, 10:].stack(), fwd, periods=(1, 5))
    orders = {lab: SortedReturns(fwd.returns[lab].to_numpy()) for lab in fwd.labels}
    shared_rows = (fd.mask == orders["1D"].valid[prices.index.get_indexer(fd.dates)]).all(axis=1)
    assert 0 < shared_rows.sum() < len(shared_rows)  # both kinds of date are exercised
    for cells in (_blocks.SMALL_BLOCK_CELLS, 600):
        monkeypatch.setattr(_blocks, "SMALL_BLOCK_CELLS", cells)
        for data in (fd, narrow):
            got = _information_coefficient(data, orders=orders, index=prices.index, columns=prices.columns)
            pd.testing.assert_frame_equal(got, fl.information_coefficient(data), check_exact=True)
