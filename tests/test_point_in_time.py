"""Point in time: nothing at bar t depends on data after t (docs/concepts.md, "Point in time").

Tested by truncation on a survivorship-free panel built from the real S&P 500
closes (synthetic listings, delistings, trading halts and bankruptcies): every
output at or before bar t computed on ``prices[:t]`` equals the one computed on
all prices. Plus a hand-computed 4-asset case with a delisting and a
bankruptcy, and horizon independence.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab import errors

PERIODS = (1, 3, 5)


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def survivorship_free(prices: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """The real closes with listings (NaN before), delistings (NaN after), halts (NaN runs inside)
    and bankruptcies (a slide to 0, then NaN) laid on chosen assets."""
    p = prices.copy()
    T, A = p.shape
    events = {"listed": [], "delisted": [], "halted": [], "bankrupt": []}
    cols = rng.permutation(A)
    for j in cols[:6]:  # listings
        start = int(rng.integers(20, T // 2))
        p.iloc[:start, j] = np.nan
        events["listed"].append((p.columns[j], start))
    for j in cols[6:12]:  # delistings
        end = int(rng.integers(T // 3, T - 5))
        p.iloc[end + 1:, j] = np.nan
        events["delisted"].append((p.columns[j], end))
    for j in cols[12:18]:  # trading halts of 2-6 bars
        start = int(rng.integers(10, T - 10))
        p.iloc[start:start + int(rng.integers(2, 7)), j] = np.nan
        events["halted"].append((p.columns[j], start))
    for j in cols[18:22]:  # bankruptcies: a slide over 5 bars, 0 on bar b, no price after
        b = int(rng.integers(T // 4, T - 3))
        p.iloc[b - 5:b, j] = p.iloc[b - 5, j] * np.linspace(1.0, 0.05, 5)
        p.iloc[b, j] = 0.0
        p.iloc[b + 1:, j] = np.nan
        events["bankrupt"].append((p.columns[j], b))
    return p, events


def reversal_wide(prices: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """Minus the trailing n-bar return: uses prices up to t only."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(prices / prices.shift(n) - 1)


@pytest.fixture(scope="module")
def panel(sp500_prices):
    rng = np.random.default_rng(7)
    prices, events = survivorship_free(sp500_prices.iloc[:260, :40], rng)
    factor = reversal_wide(prices).replace([np.inf, -np.inf], np.nan)
    return prices, factor, events


def _frames_equal_on(cut: pd.DataFrame, full: pd.DataFrame) -> None:
    """``cut`` equals ``full`` on cut's dates; columns full has beyond cut's are empty there."""
    sub = full.loc[cut.index]
    pd.testing.assert_frame_equal(cut, sub[cut.columns], check_freq=False, check_names=False)
    extra = sub.drop(columns=cut.columns)
    assert extra.isna().all().all()


@pytest.mark.parametrize("delay", [0, 1])
@pytest.mark.parametrize("cut", [90, 151, 233])
def test_truncation_weights_quantiles_sleeves_and_statistics(panel, cut, delay):
    prices, factor, _ = panel
    full = _quiet(fl.prepare_factor_data, factor, prices, periods=PERIODS, quantiles=5, delay=delay)
    p_cut = prices.iloc[:cut]
    trunc = _quiet(fl.prepare_factor_data, factor.iloc[:cut], p_cut, periods=PERIODS, quantiles=5, delay=delay)

    # membership, quantiles and weights: identical, and present up to the last factor bar
    assert trunc.dates[-1] == p_cut.index[-1]
    _frames_equal_on(trunc.quantile, full.quantile)
    _frames_equal_on(trunc.factor, full.factor)
    w_cut, w_full = fl.factor_weights(trunc), fl.factor_weights(full)
    assert w_cut.index[-1] == p_cut.index[-1] and w_cut.iloc[-1].notna().sum() > 10
    _frames_equal_on(w_cut, w_full)
    for q in (1, 5):
        _frames_equal_on(fl.factor_weights(trunc, quantiles=q, long_short=False),
                         fl.factor_weights(full, quantiles=q, long_short=False))

    # sleeve returns: every quantile and the long-short portfolio, every period
    qr_cut, qr_full = fl.quantile_interleaved_returns(trunc), fl.quantile_interleaved_returns(full)
    for label in trunc.labels:
        a = qr_cut[label]
        b = qr_full[label].loc[a.index]
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=1e-14)
    for n in PERIODS:
        a = fl.interleaved_returns(w_cut, p_cut, n, delay=delay).returns
        b = fl.interleaved_returns(w_full, prices, n, delay=delay).returns.loc[a.index]
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=1e-14)

    # each horizon's statistics on the dates whose horizon ends by the cut
    pos = prices.index.get_indexer(trunc.dates)
    ic_cut, ic_full = fl.information_coefficient(trunc), fl.information_coefficient(full)
    fr_cut, fr_full = fl.factor_returns(trunc), fl.factor_returns(full)
    mq_cut = fl.mean_return_by_quantile(trunc, by_date=True)[0]
    mq_full = fl.mean_return_by_quantile(full, by_date=True)[0]
    for n, label in zip(PERIODS, trunc.labels):
        done = trunc.dates[pos + delay + n <= cut - 1]
        assert len(done) > 0
        _frames_equal_on(trunc.returns[label].loc[done], full.returns[label])
        # equal up to the summation order (the full panel has more asset columns, NaN on these dates)
        close = dict(rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(ic_cut.loc[done, label].to_numpy(), ic_full.loc[done, label].to_numpy(), **close)
        np.testing.assert_allclose(fr_cut.loc[done, label].to_numpy(), fr_full.loc[done, label].to_numpy(), **close)
        in_done = mq_cut.index.get_level_values("date").isin(done)
        a = mq_cut.loc[in_done, label]
        np.testing.assert_allclose(a.to_numpy(), mq_full.loc[a.index, label].to_numpy(), **close)
        # a horizon is missing only past the end of the data
        late = trunc.dates[pos + delay + n > cut - 1]
        assert trunc.returns[label].loc[late].isna().all().all()


def test_events_are_booked_not_dropped(panel):
    prices, factor, events = panel
    fd = _quiet(fl.prepare_factor_data, factor, prices, periods=PERIODS, quantiles=5)
    for asset, b in events["bankrupt"]:
        # a member before the zero returns -100% over every horizon that spans it
        for n, label in zip(PERIODS, fd.labels):
            for t in range(max(b - n, 0), b):
                date = prices.index[t]
                if date in fd.dates and not np.isnan(fd.factor.loc[date, asset]):
                    assert fd.returns[label].loc[date, asset] == -1.0
        assert prices.index[b] not in fd.factor[asset].dropna().index  # price 0: not a member
    for asset, end in events["delisted"]:
        # the last member date is the last priced bar; its returns end at the last price
        member = fd.factor[asset].dropna().index
        assert member[-1] <= prices.index[end]
        t = prices.index[end - 2]
        if t in member:
            assert fd.returns["5D"].loc[t, asset] == pytest.approx(prices.iloc[end][asset] / prices.loc[t, asset] - 1,
                                                                   rel=1e-13)
    # the bankrupt bar's factor is -(0 / p - 1) = 1: a finite factor with a zero price is not a member
    assert fd.quality.dropped["zero_price"] == len(events["bankrupt"])


def test_hand_case_delisting_and_bankruptcy():
    idx = pd.bdate_range("2021-03-01", periods=6)
    prices = pd.DataFrame({
        "A": [10.0, 11.0, 12.0, 11.0, 12.0, 13.0],
        "B": [20.0, 22.0, np.nan, np.nan, np.nan, np.nan],     # delisted after bar 1
        "C": [5.0, 4.0, 2.0, 0.0, np.nan, np.nan],             # bankrupt on bar 3
        "D": [8.0, 8.0, 9.0, 9.0, 10.0, 10.0],
    }, index=idx)
    factor = pd.DataFrame(np.tile([1.0, 2.0, 3.0, 4.0], (6, 1)), index=idx, columns=list("ABCD"))
    with pytest.warns(errors.DataQualityWarning, match="zero price"):
        fd = fl.prepare_factor_data(factor, prices, periods=(1, 2, 3), quantiles=2, max_loss=0.5)
    r = {lab: fd.returns[lab] for lab in fd.labels}
    nan = np.nan
    # 1 bar: B's bar-1 return ends at its last price 22 (0%); C into the zero is -100%
    np.testing.assert_allclose(r["1D"]["A"], [0.1, 1 / 11, -1 / 12, 1 / 11, 1 / 12, nan], rtol=1e-14)
    np.testing.assert_allclose(r["1D"]["B"], [0.1, 0.0, nan, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["1D"]["C"], [-0.2, -0.5, -1.0, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["1D"]["D"], [0.0, 1 / 8, 0.0, 1 / 9, 0.0, nan], rtol=1e-14, atol=0)
    # 2 bars
    np.testing.assert_allclose(r["2D"]["A"], [0.2, 0.0, 0.0, 2 / 11, nan, nan], rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(r["2D"]["B"], [0.1, 0.0, nan, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["2D"]["C"], [-0.6, -1.0, -1.0, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["2D"]["D"], [1 / 8, 1 / 8, 1 / 9, 1 / 9, nan, nan], rtol=1e-14)
    # 3 bars: every horizon that spans C's zero is -100%
    np.testing.assert_allclose(r["3D"]["A"], [0.1, 1 / 11, 1 / 12, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["3D"]["B"], [0.1, 0.0, nan, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["3D"]["C"], [-1.0, -1.0, -1.0, nan, nan, nan], rtol=1e-14)
    np.testing.assert_allclose(r["3D"]["D"], [1 / 8, 1 / 4, 1 / 9, nan, nan, nan], rtol=1e-14)
    # membership: B until bar 1, C until bar 2 (0 on bar 3), A and D throughout, up to the last bar
    assert fd.dates[-1] == idx[-1]
    assert fd.quality.dropped["missing_price"] == 6 and fd.quality.dropped["zero_price"] == 1
    # weights: factor 1, 2, 3, 4 demeaned to gross 1
    w = fl.factor_weights(fd)
    np.testing.assert_allclose(w.iloc[0], [-0.375, -0.125, 0.125, 0.375], rtol=1e-14)
    np.testing.assert_allclose(w.iloc[2][["A", "C", "D"]], [-0.5, 0.1, 0.4], rtol=1e-14)
    assert np.isnan(w.iloc[2]["B"])
    np.testing.assert_allclose(w.iloc[5][["A", "D"]], [-0.5, 0.5], rtol=1e-14)
    # one sleeve (N = 1), capital 1: B's short is kept at its last price once it stops trading
    # (0% from then on), C's long falls to 0 on bar 3
    eq = fl.interleaved_returns(w, prices, 1, capital=1.0).equity.to_numpy()
    e1 = 1 + (-0.375 * 0.1 - 0.125 * 0.1 + 0.125 * -0.2 + 0.375 * 0.0)
    e2 = e1 * (1 - 0.375 / 11 + 0.125 * -0.5 + 0.375 / 8)
    e3 = e2 * (1 - 0.5 * (-1 / 12) + 0.1 * -1.0 + 0.4 * 0.0)
    e4 = e3 * (1 - 0.5 / 11 + 0.5 / 9)
    e5 = e4 * (1 - 0.5 / 12 + 0.5 * 0.0)
    np.testing.assert_allclose(eq, [1.0, e1, e2, e3, e4, e5], rtol=1e-13)


def test_horizon_independence(sp500_prices, reversal_factor):
    prices = sp500_prices.iloc[:500, :80].copy()
    prices.iloc[300:, 4] = np.nan   # a delisting
    prices.iloc[200:, 9] = np.nan
    fac = reversal_factor[reversal_factor.index.get_level_values("asset").isin(prices.columns)]
    fac = fac[fac.index.get_level_values("date") <= prices.index[-1]]
    one = _quiet(fl.prepare_factor_data, fac, prices, periods=(5,))
    many = _quiet(fl.prepare_factor_data, fac, prices, periods=(1, 5, 10))
    pd.testing.assert_frame_equal(one.returns["5D"], many.returns["5D"])
    pd.testing.assert_frame_equal(fl.information_coefficient(one), fl.information_coefficient(many)[["5D"]])
    pd.testing.assert_frame_equal(fl.factor_returns(one), fl.factor_returns(many)[["5D"]])
    for by_date in (False, True):
        a = fl.mean_return_by_quantile(one, by_date=by_date)
        b = fl.mean_return_by_quantile(many, by_date=by_date)
        pd.testing.assert_frame_equal(a[0], b[0][["5D"]])
        pd.testing.assert_frame_equal(a[1], b[1][["5D"]])
    pd.testing.assert_frame_equal(_quiet(fl.factor_alpha_beta, one), _quiet(fl.factor_alpha_beta, many)[["5D"]])
    pd.testing.assert_frame_equal(fl.ic_summary(fl.information_coefficient(one)),
                                  fl.ic_summary(fl.information_coefficient(many)).loc[["5D"]])
    a = fl.quantile_interleaved_returns(one)["5D"]
    b = fl.quantile_interleaved_returns(many)["5D"]
    pd.testing.assert_frame_equal(a, b)


def test_vendor_panel_with_stale_drop(sp500_prices):
    """Names padded with their constant price before listing and after delisting, plus zeros."""
    rng = np.random.default_rng(3)
    prices = sp500_prices.iloc[:400, :60].copy()
    raw = prices.copy()
    for j in range(60):   # two names in three padded, about half the panel on any date
        if j % 3 == 1:
            start = int(rng.integers(150, 390))
            raw.iloc[:start, j] = prices.iloc[start, j]          # constant before listing
        elif j % 3 == 2:
            end = int(rng.integers(10, 250))
            raw.iloc[end + 1:, j] = prices.iloc[end, j]          # constant after delisting
    raw.iloc[200:, 5] = 0.0    # a bankruptcy left at 0 by the vendor
    factor = -(raw / raw.shift(5) - 1)
    factor = factor.replace([np.inf, -np.inf], np.nan)
    with pytest.raises(errors.MaxLossExceededError, match="stale='drop'"):
        _quiet(fl.prepare_factor_data, factor, raw, periods=(1, 5))
    fd = _quiet(fl.prepare_factor_data, factor, raw, periods=(1, 5), stale="drop")
    assert fd.quality.dropped["stale_price"] > 0
    assert "stale_price" in fd.quality.summary().index
    # the tie-robust quantiles also bin every date, without dropping the padded names
    fr = _quiet(fl.prepare_factor_data, factor, raw, periods=(1, 5), quantile_method="rank")
    assert fr.quality.dropped["binning"] == 0
    ts = _quiet(fl.create_full_tear_sheet, factor, raw, periods=(1, 5), stale="drop")
    assert "headline" in ts.tables and len(ts.figures) > 10


def test_drop_stale_prices_is_point_in_time():
    p = pd.DataFrame({"A": [1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0]},
                     index=pd.bdate_range("2022-01-03", periods=8))
    out = fl.drop_stale_prices(p, stale_bars=3)
    # bars 1-5 hold 2.0: from its third bar on (bar 3) the price is stale
    np.testing.assert_array_equal(out["A"].to_numpy(), [1.0, 2.0, 2.0, np.nan, np.nan, np.nan, 3.0, 3.0])
    for t in range(2, 9):
        np.testing.assert_array_equal(fl.drop_stale_prices(p.iloc[:t], 3)["A"].to_numpy(),
                                      out["A"].to_numpy()[:t])
    with pytest.raises(errors.ParameterError, match="stale_bars"):
        fl.drop_stale_prices(p, stale_bars=1)


def test_rank_quantiles_share_ties_and_match_qcut_without_ties(rng):
    x = rng.normal(size=(50, 40))
    a, fa = fl.quantize_rows(x, quantiles=5)
    b, fb = fl.quantize_rows(x, quantiles=5, method="rank")
    assert not fa.any() and not fb.any()
    np.testing.assert_array_equal(a, b)   # 40 distinct values: 8 per bucket either way
    ties = np.array([[0.0] * 6 + [1.0, 2.0, 3.0, 4.0]])
    lab, failed = fl.quantize_rows(ties, quantiles=5)
    assert failed.all()
    lab, failed = fl.quantize_rows(ties, quantiles=5, method="rank")
    assert not failed.any() and len(set(lab[0, :6])) == 1


def test_binning_failure_names_cause_and_ways_out():
    idx = pd.bdate_range("2022-01-03", periods=12)
    prices = pd.DataFrame(np.linspace(10, 20, 12)[:, None] * np.ones((1, 10)), index=idx,
                          columns=[f"A{i}" for i in range(10)])
    factor = pd.DataFrame(0.0, index=idx, columns=prices.columns)
    factor.iloc[:, 8:] = [1.0, 2.0]
    with pytest.raises(errors.BinningError, match=r"tied factor values .* on 12 date\(s\).*quantile_method='rank'"):
        fl.prepare_factor_data(factor, prices, periods=(1,), quantiles=5, max_loss=0)


def test_horizon_independence_of_the_tear_sheet_tables(sp500_prices):
    prices = sp500_prices.iloc[:500, :60].copy()
    prices.iloc[300:, 4] = np.nan
    factor = reversal_wide(prices)
    one = _quiet(fl.create_summary_tear_sheet, factor, prices, periods=(5,))
    many = _quiet(fl.create_summary_tear_sheet, factor, prices, periods=(1, 5, 10))
    for name in ("headline", "returns_table"):
        pd.testing.assert_frame_equal(one.tables[name], many.tables[name][["5D"]])
    pd.testing.assert_frame_equal(one.tables["quantile_statistics"], many.tables["quantile_statistics"])


def test_quantile_table_is_the_same_per_bar_number_whatever_other_horizons(sp500_prices):
    """'mean return by quantile (bps per bar)' at 5D is one number whether 1D is asked for too."""
    prices = sp500_prices.iloc[:400, :50]
    factor = reversal_wide(prices)
    alone = _quiet(fl.create_factor_returns_tear_sheet, factor, prices, periods=(5,))
    both = _quiet(fl.create_factor_returns_tear_sheet, factor, prices, periods=(1, 5))
    table = "mean_return_by_quantile"
    assert table in alone.tables, list(alone.tables)
    pd.testing.assert_frame_equal(alone.tables[table][["5D"]], both.tables[table][["5D"]])
    # and it is a per-bar rate: the 5-bar mean compounded back to one bar
    from factorlab.factor import mean_return_by_quantile

    fd = _quiet(fl.prepare_factor_data, factor, prices, periods=(5,))
    mean5, _ = mean_return_by_quantile(fd, demeaned=True)
    expected = ((1 + mean5["5D"]) ** (1 / 5) - 1) * 1e4
    np.testing.assert_allclose(alone.tables[table]["5D"].to_numpy(), expected.to_numpy(), rtol=1e-9)
