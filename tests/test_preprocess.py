"""Factor preprocessing: hand-computed cases, point in time by truncation, neutrality per date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

import factorlab as fl
from factorlab.errors import AlignmentError, ParameterError
from factorlab.factor import combine_factors, neutralize, rank, winsorize, zscore
from factorlab.factor._preprocess import information_coefficient_by_date

DATES = pd.bdate_range("2021-01-04", periods=2)
ASSETS = list("ABCDEF")


@pytest.fixture
def small():
    return pd.DataFrame([[1.0, 2.0, 3.0, 4.0, 5.0, 100.0],
                         [6.0, np.nan, 2.0, 2.0, -50.0, 0.0]], index=DATES, columns=ASSETS)


@pytest.fixture(scope="module")
def panel():
    s = fl.load_sample()
    prices = s.prices.iloc[:300, :40]
    return prices, s.sectors


def test_quantile_winsorize_by_hand(small):
    out = winsorize(small, limits=(0.2, 0.8))
    # row 0 values 1..5, 100: numpy's linear quantiles 0.2 -> 2.0, 0.8 -> 5.0
    np.testing.assert_allclose(out.iloc[0], [2, 2, 3, 4, 5, 5])
    # row 1 values 6, 2, 2, -50, 0 (sorted -50, 0, 2, 2, 6): 0.2 -> 0 + 0.8 * ... = -10? by np
    lo, hi = np.quantile([6, 2, 2, -50, 0], [0.2, 0.8])
    np.testing.assert_allclose(out.iloc[1].dropna(), np.clip([6, 2, 2, -50, 0], lo, hi))
    assert np.isnan(out.loc[DATES[1], "B"])


def test_mad_winsorize_by_hand(small):
    out = winsorize(small, method="mad", n_mad=2)
    x = np.array([1, 2, 3, 4, 5, 100.0])
    med = 3.5
    mad = np.median(np.abs(x - med)) * 1.482602218505602  # |x - 3.5| = 2.5,1.5,.5,.5,1.5,96.5 -> 1.5
    np.testing.assert_allclose(out.iloc[0], np.clip(x, med - 2 * mad, med + 2 * mad))
    assert out.iloc[0, 5] == pytest.approx(3.5 + 2 * 1.5 * 1.482602218505602)


def test_zscore_and_rank_by_hand(small):
    z = zscore(small)
    x = small.iloc[0].to_numpy()
    np.testing.assert_allclose(z.iloc[0], (x - x.mean()) / x.std(ddof=1))
    r = rank(small)
    np.testing.assert_allclose(r.iloc[1].dropna(), rankdata([6, 2, 2, -50, 0]))
    assert r.loc[DATES[1], "C"] == r.loc[DATES[1], "D"] == 3.5
    np.testing.assert_allclose(rank(small, pct=True).iloc[0], np.arange(1, 7) / 6)


def test_long_series_in_long_series_out(small):
    long = small.stack().rename("f")
    long.index.names = ["date", "asset"]
    out = zscore(long)
    assert isinstance(out, pd.Series) and out.index.names == ["date", "asset"]
    np.testing.assert_allclose(out.to_numpy(), zscore(small).stack().dropna().to_numpy())


def test_group_neutral_factor_has_zero_group_means(panel):
    prices, sectors = panel
    f = prices.pct_change(20, fill_method=None)
    out = neutralize(f, groups=sectors)
    long = out.stack().rename("v").to_frame()
    long["g"] = sectors.reindex(long.index.get_level_values(1)).to_numpy()
    means = long.groupby([long.index.get_level_values(0), "g"])["v"].mean()
    assert np.abs(means).max() < 1e-12
    # by hand on one date and one sector
    d = f.index[100]
    names = sectors[sectors == sectors.iloc[0]].index.intersection(f.columns)
    row = f.loc[d, names]
    np.testing.assert_allclose(out.loc[d, names], row - row.mean())


def test_exposure_neutral_factor_has_zero_coefficients(panel):
    prices, sectors = panel
    rng = np.random.default_rng(5)
    f = prices.pct_change(20, fill_method=None)
    size = np.log(prices)
    beta = pd.DataFrame(rng.normal(1, 0.3, prices.shape), index=prices.index, columns=prices.columns)
    out = neutralize(f, exposures={"size": size, "beta": beta})
    for d in f.index[25::60]:
        ok = out.loc[d].notna()
        X = np.column_stack([np.ones(ok.sum()), size.loc[d, ok], beta.loc[d, ok]])
        coef = np.linalg.lstsq(X, out.loc[d, ok].to_numpy(), rcond=None)[0]
        assert np.abs(coef).max() < 1e-10
        # and it equals the OLS residual computed by hand
        y = f.loc[d, ok].to_numpy()
        b = np.linalg.lstsq(X, y, rcond=None)[0]
        np.testing.assert_allclose(out.loc[d, ok], y - X @ b, atol=1e-12)
    both = neutralize(f, groups=sectors, exposures={"size": size})
    for d in f.index[25::90]:
        ok = both.loc[d].notna()
        g = pd.get_dummies(sectors.reindex(f.columns[ok])).to_numpy(dtype=float)
        X = np.column_stack([g, size.loc[d, ok]])
        coef = np.linalg.lstsq(X, both.loc[d, ok].to_numpy(), rcond=None)[0]
        assert np.abs(coef).max() < 1e-10


def test_neutralize_needs_something_and_exposures_on_every_date(panel):
    prices, _ = panel
    with pytest.raises(ParameterError, match="groups= or exposures="):
        neutralize(prices)
    with pytest.raises(AlignmentError, match="exposure 'size'"):
        neutralize(prices, exposures={"size": prices.iloc[5:]})
    with pytest.raises(ParameterError, match="method must be one of"):
        winsorize(prices, method="sigma")
    with pytest.raises(ParameterError, match="limits"):
        winsorize(prices, limits=(0.9, 0.1))


def test_equal_weight_combination_by_hand(small):
    other = small * -2 + 1
    out = combine_factors({"a": small, "b": other, "c": small ** 2})
    za, zb, zc = zscore(small), zscore(other), zscore(small ** 2)
    expected = pd.concat([za, zb, zc]).groupby(level=0).mean() if False else (za + zb + zc) / 3
    np.testing.assert_allclose(out.iloc[0], expected.iloc[0])
    # B missing on date 1: NaN there (no factor has it)
    assert np.isnan(out.loc[DATES[1], "B"])


def test_ic_weights_use_only_known_ics(panel):
    prices, _ = panel
    a = prices.pct_change(10, fill_method=None)
    b = -prices.pct_change(3, fill_method=None)
    out = combine_factors({"a": a, "b": b}, weights="ic", prices=prices, period=5, window=40, min_periods=10)
    # by hand at one date t: mean IC over the 40 dates ending 5 bars before t
    ica = information_coefficient_by_date(a, prices, 5)
    icb = information_coefficient_by_date(b, prices, 5)
    t = 150
    wa, wb = ica.iloc[t - 5 - 39:t - 5 + 1].mean(), icb.iloc[t - 5 - 39:t - 5 + 1].mean()
    za, zb = zscore(a).iloc[t], zscore(b).iloc[t]
    expected = (wa * za + wb * zb) / (abs(wa) + abs(wb))
    np.testing.assert_allclose(out.iloc[t], expected, rtol=1e-10)
    # b's first IC is that of bar 3, known at bar 8; 10 known ICs first at bar 17: NaN before
    assert out.iloc[:17].isna().all().all() and out.iloc[17].notna().all()


def test_ic_by_date_is_spearman(panel):
    prices, _ = panel
    f = prices.pct_change(10, fill_method=None)
    ic = information_coefficient_by_date(f, prices, 5)
    fwd = prices.shift(-5) / prices - 1
    d = prices.index[100]
    ok = f.loc[d].notna() & fwd.loc[d].notna()
    from scipy.stats import spearmanr
    assert ic.loc[d] == pytest.approx(spearmanr(f.loc[d, ok], fwd.loc[d, ok]).statistic, rel=1e-12)


def test_truncation_nothing_at_t_uses_later_data(panel):
    prices, sectors = panel
    rng = np.random.default_rng(2)
    f = prices.pct_change(20, fill_method=None)
    size = pd.DataFrame(rng.normal(size=prices.shape), index=prices.index, columns=prices.columns)
    g = -prices.pct_change(5, fill_method=None)
    cut = 180
    pairs = [
        (lambda p, x, s: winsorize(x), "winsorize"),
        (lambda p, x, s: winsorize(x, method="mad"), "mad"),
        (lambda p, x, s: zscore(x), "zscore"),
        (lambda p, x, s: rank(x), "rank"),
        (lambda p, x, s: neutralize(x, groups=sectors, exposures={"size": s}), "neutralize"),
        (lambda p, x, s: combine_factors({"f": x, "g": g.loc[x.index]}), "equal"),
        (lambda p, x, s: combine_factors({"f": x, "g": g.loc[x.index]}, weights="ic", prices=p, period=5,
                                         window=30, min_periods=5), "ic"),
    ]
    for fn, name in pairs:
        full = fn(prices, f, size)
        part = fn(prices.iloc[:cut], f.iloc[:cut], size.iloc[:cut])
        pd.testing.assert_frame_equal(part, full.iloc[:cut], check_freq=False, obj=name)


def test_inputs_are_not_mutated(small):
    before = small.copy()
    winsorize(small), zscore(small), rank(small), neutralize(small, groups={a: a < "C" for a in ASSETS})
    pd.testing.assert_frame_equal(small, before)
