"""Event studies (factorlab.factor._events): cumulative returns around factor dates.

factorlab's ``average_cumulative_return_by_quantile`` has the semantics of the
original Quantopian Alphalens (prices in, every window rebased to the event
date). alphalens-reloaded 0.5.1 no longer computes that (it reads returns
unrebased, see the function's Notes and tests/test_compat_perf_events.py), so
the golden values here come from hand-computed cases and from a plain
per-date pandas loop written from the original Alphalens algorithm.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError

RTOL, ATOL = 1e-9, 1e-12

# --------------------------------------------------------------------------- hand-computed case
BARS = pd.DatetimeIndex([f"2021-03-0{i}" for i in range(1, 6)])
#                    bar0  bar1  bar2  bar3  bar4
PRICES = pd.DataFrame({"A": [10.0, 11, 12, 12, 15],
                       "B": [20.0, 20, 22, 22, 22],
                       "C": [10.0, 10, 10, 10, 10],
                       "D": [5.0, 5, 4, 4, 4]}, index=BARS)
# events on bar1..bar3; 2 quantiles:  d1 Q1 {A,B}  d2 Q1 {B,C}  d3 Q1 {C,D}
FACTOR = np.array([[1.0, 2, 3, 4], [4, 1, 2, 3], [3, 4, 1, 2]])


def tiny_fd(values: np.ndarray = FACTOR, groups: dict | None = None) -> fl.FactorData:
    wide = pd.DataFrame(values, index=pd.DatetimeIndex(BARS[1:1 + len(values)], name="date"),
                        columns=pd.Index(list("ABCD"), name="asset"))
    long = wide.stack().dropna().rename("factor").to_frame()
    long.index.names = ["date", "asset"]
    ranks = long.groupby(level="date")["factor"].rank()
    counts = long.groupby(level="date")["factor"].transform("count")
    long["1D"] = 0.0
    if groups is not None:
        long["group"] = long.index.get_level_values("asset").map(groups)
    long["factor_quantile"] = np.where(ranks <= np.ceil(counts / 2), 1, 2)
    return fl.FactorData.from_frame(long, prices=PRICES)


# Cumulative returns P[t+k]/P[t] - 1 of every asset (A, B, C, D):
#   d1 (bar1): k=-1 (-1/11, 0, 0, 0)        k=+1 (1/11, 1/10, 0, -1/5)
#   d2 (bar2): k=-1 (-1/12, -1/11, 0, 1/4)  k=+1 (0, 0, 0, 0)
#   d3 (bar3): k=-1 (0, 0, 0, 0)            k=+1 (1/4, 0, 0, 0)
def test_average_cumulative_return_hand_computed_raw():
    out = fl.average_cumulative_return_by_quantile(tiny_fd(), periods_before=1, periods_after=1,
                                                   demeaned=False)
    assert list(out.columns) == [-1, 0, 1]
    assert list(out.index) == [(1, "mean"), (1, "std"), (2, "mean"), (2, "std")]
    # Q1, k=-1: per-date means (-1/22, -1/22, 0): mean -1/33, std sqrt(3)/66
    # Q1, k=+1: per-date means (21/220, 0, 0): mean 7/220, std 7 sqrt(3)/220
    np.testing.assert_allclose(out.loc[(1, "mean")], [-1 / 33, 0, 7 / 220], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out.loc[(1, "std")], [np.sqrt(3) / 66, 0, 7 * np.sqrt(3) / 220], rtol=1e-12)
    # Q2 = {C,D}, {D,A}, {A,B}; k=-1: (0, (1/4 - 1/12)/2 = 1/12, 0) -> mean 1/36
    # k=+1: (-1/10, 0, 1/8) -> mean 1/120
    np.testing.assert_allclose(out.loc[(2, "mean")], [1 / 36, 0, 1 / 120], rtol=1e-12, atol=1e-15)


def test_average_cumulative_return_hand_computed_demeaned():
    out = fl.average_cumulative_return_by_quantile(tiny_fd(), periods_before=1, periods_after=1)
    # universe means at k=+1: d1 (1/11 + 1/10 - 1/5)/4 = -1/440, d2 0, d3 1/16
    # Q1 per date: 21/220 + 1/440 = 43/440, 0, 0 - 1/16
    q1 = np.array([43 / 440, 0.0, -1 / 16])
    np.testing.assert_allclose(out.loc[(1, "mean"), 1], q1.mean(), rtol=1e-12)
    np.testing.assert_allclose(out.loc[(1, "std"), 1], q1.std(ddof=1), rtol=1e-12)
    # equal-size quantiles: the demeaned quantile means cancel at every offset
    np.testing.assert_allclose(out.xs("mean", level=1).sum(), 0.0, atol=1e-15)


def test_group_adjust_and_by_group_hand_computed():
    groups = {"A": "x", "B": "x", "C": "y", "D": "y"}
    fd = tiny_fd(groups=groups)
    # k=+1: every asset's return equals its group's mean or the group is one quantile -> 0
    # k=-1: group means d2 x (A -1/12, B -1/11) -23/264, y (C 0, D 1/4) 1/8; d1 and d3 give 0
    # Q1 samples (d1 x 0, d2 x B -1/11 + 23/264 = -1/264, d2 y C -1/8, d3 y 0) -> mean -17/528
    # Q2 samples (d1 y 0, d2 x A 1/264, d2 y D 1/8, d3 x 0) -> mean 17/528
    ga = fl.average_cumulative_return_by_quantile(fd, periods_before=1, periods_after=1, group_adjust=True)
    np.testing.assert_allclose(ga.loc[(1, "mean")], [-17 / 528, 0, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ga.loc[(2, "mean")], [17 / 528, 0, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ga.loc[(1, "std"), -1], np.std([0, -1 / 264, -1 / 8, 0], ddof=1), rtol=1e-12)
    bg = fl.average_cumulative_return_by_quantile(fd, periods_before=1, periods_after=1, by_group=True,
                                                  demeaned=False)
    assert bg.index.names == ["factor_quantile", None, "group"]
    assert list(bg.index.get_level_values("group").unique()) == ["x", "y"]
    # group x, Q1: d1 {A,B} 21/220, d2 {B} 0 -> mean 21/440 at k=+1
    np.testing.assert_allclose(bg.loc[(1, "mean", "x"), 1], 21 / 440, rtol=1e-12)
    # group y, Q2: d1 {C,D} (0 - 1/5)/2 = -1/10, d2 {D} 0 -> mean -1/20
    np.testing.assert_allclose(bg.loc[(2, "mean", "y"), 1], -1 / 20, rtol=1e-12)


def test_common_start_returns_hand_computed():
    fd = tiny_fd()
    paths = fl.common_start_returns(fd, periods_before=1, periods_after=1)
    assert paths.index.names == ["date", "asset"] and len(paths) == 12
    np.testing.assert_allclose(paths.loc[(BARS[1], "A")], [-1 / 11, 0, 1 / 11], rtol=1e-12)
    np.testing.assert_allclose(paths.loc[(BARS[2], "D")], [1 / 4, 0, 0], rtol=1e-12)
    q1 = fl.common_start_returns(fd, periods_before=1, periods_after=1, quantile=1, mean_by_date=True)
    np.testing.assert_allclose(q1[1], [21 / 220, 0, 0], atol=1e-15)
    dm = fl.common_start_returns(fd, periods_before=1, periods_after=1, demeaned=True)
    # demeaned over the date's universe: every date's events sum to zero
    np.testing.assert_allclose(dm.groupby(level="date").sum().to_numpy(), 0.0, atol=1e-15)
    np.testing.assert_allclose(dm.loc[(BARS[1], "A"), 1], 1 / 11 + 1 / 440, rtol=1e-12)


# --------------------------------------------------------------------------- reference loop on real data
def reference_table(frame: pd.DataFrame, prices: pd.DataFrame, before: int, after: int, demeaned: bool,
                    group_adjust: bool, by_group: bool) -> pd.DataFrame:
    """Original-Alphalens event study, written plainly: one pandas window per date."""
    offsets = range(-before, after + 1)

    def per_date(q_fact: pd.Series, universe: pd.Series | None) -> pd.DataFrame:
        cols = {}
        for date, df in q_fact.groupby(level="date"):
            i = prices.index.get_loc(date)
            lo, hi = max(i - before, 0), min(i + after + 1, len(prices))
            assets = list(df.index.get_level_values("asset"))
            uni = list(universe.loc[date].index) if universe is not None else []
            win = prices.iloc[lo:hi][sorted(set(assets) | set(uni))]
            win.index = range(lo - i, hi - i)
            win = win / win.loc[0] - 1
            ser = win[assets]
            if universe is not None:
                ser = ser.sub(win[uni].mean(axis=1), axis=0)
            cols[date] = ser.mean(axis=1).reindex(offsets)
        return pd.DataFrame(cols)

    fq = frame["factor_quantile"]
    blocks = []
    groups = list(frame.groupby("group", observed=True)) if (by_group or group_adjust) else [(None, frame)]
    for g, g_data in groups:
        g_fq = g_data["factor_quantile"]
        universe = g_fq if group_adjust else (fq if demeaned else None)
        for q, q_fact in g_fq.groupby(g_fq):
            blocks.append((g, q, per_date(q_fact, universe)))
    rows = {}
    keys = sorted({(g if by_group else None, q) for g, q, _ in blocks}, key=lambda t: (str(t[0]), t[1]))
    for g, q in keys:
        samples = pd.concat([b for gg, qq, b in blocks if qq == q and (not by_group or gg == g)], axis=1)
        if not group_adjust or by_group:
            samples = samples.replace([np.inf, -np.inf], np.nan)
        key = (q,) if not by_group else (q, g)
        rows[key[:1] + ("mean",) + key[1:]] = samples.mean(axis=1)
        rows[key[:1] + ("std",) + key[1:]] = samples.std(axis=1)
    return pd.DataFrame(rows).T


@pytest.fixture(scope="module")
def real_fd(sp500_prices, sp500_sectors, reversal_factor, momentum_factor):
    prices = sp500_prices.iloc[:, :60]
    dates = prices.index[300:1400:55]  # 20 event dates
    out = {}
    for name, fac in (("reversal", reversal_factor), ("momentum", momentum_factor)):
        idx = fac.index
        sub = fac[idx.get_level_values("asset").isin(prices.columns)
                  & idx.get_level_values("date").isin(dates)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[name] = fl.prepare_factor_data(sub, prices, periods=(1,), groupby=sp500_sectors)
    return out


OPTIONS = [dict(demeaned=True), dict(demeaned=False), dict(group_adjust=True), dict(by_group=True),
           dict(by_group=True, group_adjust=True), dict(by_group=True, demeaned=False)]


@pytest.mark.parametrize("name", ["reversal", "momentum"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o))
def test_matches_reference_loop_on_real_data(real_fd, name, options):
    fd = real_fd[name]
    kw = dict(demeaned=True, group_adjust=False, by_group=False) | options
    ref = reference_table(fd.frame, fd.prices, 5, 10, **kw)
    ours = fl.average_cumulative_return_by_quantile(fd, periods_before=5, periods_after=10, **kw)
    assert list(ours.index) == list(ref.index)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(dtype=float), rtol=RTOL, atol=ATOL)


def test_reversal_event_shape_on_real_data(real_fd):
    out = fl.average_cumulative_return_by_quantile(real_fd["reversal"], periods_before=5, periods_after=10)
    means = out.xs("mean", level=1)
    np.testing.assert_array_equal(means[0].to_numpy(), 0.0)
    # top reversal quintile (biggest losers) was below its event price 5 bars before
    assert means.loc[5, -5] > 0 > means.loc[1, -5]


# --------------------------------------------------------------------------- degenerate inputs and options
def test_one_date():
    fd = tiny_fd(FACTOR[:1])
    out = fl.average_cumulative_return_by_quantile(fd, periods_before=1, periods_after=1, demeaned=False)
    np.testing.assert_allclose(out.loc[(1, "mean")], [-1 / 22, 0, 21 / 220], rtol=1e-12)
    assert out.xs("std", level=1).isna().all().all()  # one sample: std undefined


def test_quantile_absent_on_a_date():
    values = FACTOR.copy()
    values[1, [0, 2, 3]] = np.nan  # d2 keeps B only, quantile 1; quantile 2 absent on d2
    out = fl.average_cumulative_return_by_quantile(tiny_fd(values), periods_before=1, periods_after=1,
                                                   demeaned=False)
    # Q2 samples d1 {C,D} and d3 {A,B} only; k=+1: (-1/10, 1/8) -> mean 1/80
    np.testing.assert_allclose(out.loc[(2, "mean"), 1], 1 / 80, rtol=1e-12)
    np.testing.assert_allclose(out.loc[(2, "std"), 1], np.std([-0.1, 0.125], ddof=1), rtol=1e-12)


def test_window_past_the_prices_gives_nan():
    out = fl.average_cumulative_return_by_quantile(tiny_fd(), periods_before=4, periods_after=4,
                                                   demeaned=False)
    assert list(out.columns) == list(range(-4, 5))
    # events on bar1..bar3 of bar0..bar4: no event reaches 4 bars either way
    assert out[-4].isna().all() and out[4].isna().all()
    # k=-3 reaches bar0 from d3 only: Q1 {C, D} (0 + 1/4)/2; a single sample has no std
    np.testing.assert_allclose(out.loc[(1, "mean"), -3], 1 / 8, rtol=1e-12)
    assert np.isnan(out.loc[(1, "std"), -3])
    # k=-2: d2 Q1 {B,C} (-1/11 + 0)/2, d3 Q1 {C,D} (0 + 1/4)/2 -> mean 7/176
    np.testing.assert_allclose(out.loc[(1, "mean"), -2], 7 / 176, rtol=1e-12)


def test_window_zero_zero_is_zero():
    out = fl.average_cumulative_return_by_quantile(tiny_fd(), periods_before=0, periods_after=0)
    assert list(out.columns) == [0]
    np.testing.assert_array_equal(out.xs("mean", level=1)[0].to_numpy(), 0.0)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None, True])
def test_bad_window_raises(bad):
    with pytest.raises(ParameterError, match="periods_before"):
        fl.average_cumulative_return_by_quantile(tiny_fd(), periods_before=bad)
    with pytest.raises(ParameterError, match="periods_after"):
        fl.common_start_returns(tiny_fd(), periods_after=bad)


def test_group_options_need_groups():
    for kw in (dict(group_adjust=True), dict(by_group=True)):
        with pytest.raises(ParameterError, match="groups"):
            fl.average_cumulative_return_by_quantile(tiny_fd(), **kw)


def test_prices_needed():
    fd = fl.FactorData.from_frame(tiny_fd().frame)
    with pytest.raises(ParameterError, match="prices"):
        fl.average_cumulative_return_by_quantile(fd)
    out = fl.average_cumulative_return_by_quantile(fd, PRICES, 1, 1)
    pd.testing.assert_frame_equal(out, fl.average_cumulative_return_by_quantile(tiny_fd(), None, 1, 1))


@pytest.mark.parametrize("quantile", [0, 3, 1.5])
def test_bad_quantile_raises(quantile):
    with pytest.raises(ParameterError, match=r"1\.\.2"):
        fl.common_start_returns(tiny_fd(), quantile=quantile)


def test_scale_invariance_of_prices():
    fd = tiny_fd()
    a = fl.average_cumulative_return_by_quantile(fd, periods_before=1, periods_after=1)
    b = fl.average_cumulative_return_by_quantile(fd, PRICES * 3.7, periods_before=1, periods_after=1)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=1e-15)


def test_inputs_not_mutated():
    fd = tiny_fd(groups={"A": "x", "B": "x", "C": "y", "D": "y"})
    prices, frame, factor = PRICES.copy(), fd.frame.copy(), fd.factor.copy()
    fl.average_cumulative_return_by_quantile(fd, periods_before=1, periods_after=1, group_adjust=True)
    fl.average_cumulative_return_by_quantile(fd, periods_before=1, periods_after=1, by_group=True)
    fl.common_start_returns(fd, periods_before=1, periods_after=1, demeaned=True, mean_by_date=True)
    pd.testing.assert_frame_equal(PRICES, prices)
    pd.testing.assert_frame_equal(fd.frame, frame)
    pd.testing.assert_frame_equal(fd.factor, factor)


# --------------------------------------------------------------------------- window sums vs the reference
@pytest.fixture(scope="module")
def gappy_fd(sp500_prices, sp500_sectors, reversal_factor):
    """40 assets, 15 event dates, prices with gaps (NaN) inside the event windows."""
    prices = sp500_prices.iloc[:400, :40].copy()
    prices.iloc[100:104, 2] = np.nan
    prices.iloc[200:230, 7] = np.nan
    prices.iloc[350:, 11] = np.nan  # delisted
    dates = prices.index[60:380:22]
    idx = reversal_factor.index
    sub = reversal_factor[idx.get_level_values("asset").isin(prices.columns) & idx.get_level_values("date").isin(dates)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.prepare_factor_data(sub, prices, periods=(1,), groupby=sp500_sectors, max_loss=0.5)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o))
def test_missing_prices_in_windows_match_reference_loop(gappy_fd, options):
    fd = gappy_fd
    kw = dict(demeaned=True, group_adjust=False, by_group=False) | options
    ref = reference_table(fd.frame, fd.prices, 6, 12, **kw)
    ours = fl.average_cumulative_return_by_quantile(fd, periods_before=6, periods_after=12, **kw)
    assert list(ours.index) == list(ref.index)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(dtype=float), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o))
def test_window_sums_equal_the_per_offset_table(gappy_fd, options):
    from factorlab.factor import _events

    fd = gappy_fd
    kw = dict(demeaned=True, group_adjust=False, by_group=False) | options
    offsets = _events.check_window(6, 12)
    need = kw["group_adjust"] or kw["by_group"]
    d_idx, a_idx, _, qcode, gcode, g_labels = _events.fd_codes(fd, need)
    n_groups = len(g_labels) if need else 1
    fast = _events.fast_event_table(fd, fd.prices, offsets, d_idx, a_idx, qcode, gcode, n_groups, **kw)
    grid = _events._grid_for(fd, fd.prices, d_idx, a_idx, relative=True)
    slow = _events.event_table(grid, offsets, qcode, gcode, n_groups, **kw)
    assert fast is not None
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def test_a_zero_price_after_the_start_is_minus_100_percent_on_the_fast_path():
    """A bankruptcy (price 0) inside an event's window is a -100% return: the window sums give it, equal
    to the per-offset table; only an event that starts at a price of 0 (an infinite return) takes the
    per-offset path."""
    prices = PRICES.copy()
    prices.loc[BARS[0], "C"] = 0.0  # inside d1's window (offset -1), not an event's start
    fd = tiny_fd()
    from factorlab.factor import _events

    d_idx, a_idx, _, qcode, _, _ = _events.fd_codes(fd, False)
    offsets = np.arange(-1, 2)
    fast = _events.fast_event_table(fd, prices, offsets, d_idx, a_idx, qcode, None, 1, True, False, False)
    assert fast is not None
    grid = _events._grid_for(fd, prices, d_idx, a_idx, relative=True)
    slow = _events.event_table(grid, offsets, qcode, None, 1, True, False, False)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    out = fl.average_cumulative_return_by_quantile(fd, prices, periods_before=1, periods_after=1,
                                                   demeaned=False)
    # d1 Q2 = {C, D}: C from bar1 back to bar0 is 0/10 - 1 = -1, D 0 -> -1/2; d2 {D, A} 1/4 - 1/12 -> 1/12
    np.testing.assert_allclose(out.loc[(2, "mean"), -1], (-0.5 + 1 / 12 + 0) / 3, rtol=1e-12)
    # an event starting at 0 (C on d1 = bar1): its returns are infinite, the per-offset path handles them
    starts_at_zero = PRICES.copy()
    starts_at_zero.loc[BARS[1], "C"] = 0.0
    assert _events.fast_event_table(fd, starts_at_zero, offsets, d_idx, a_idx, qcode, None, 1,
                                    True, False, False) is None
    assert _events.dense_event_table(fd, starts_at_zero, offsets, True) is None
    grid = _events._grid_for(fd, starts_at_zero, d_idx, a_idx, relative=True)
    expected = _events.event_table(grid, offsets, qcode, None, 1, True, False, False)
    out = fl.average_cumulative_return_by_quantile(fd, starts_at_zero, periods_before=1, periods_after=1)
    np.testing.assert_allclose(out.xs("mean", level=1).to_numpy(), expected[0], rtol=1e-12)


@pytest.mark.parametrize("demeaned", [True, False])
def test_dense_blocks_equal_the_event_arrays(gappy_fd, demeaned, monkeypatch):
    """Without groups the event table is read from the date x asset arrays in blocks of dates (no
    per-event arrays): the same table as the event-array window sums and the per-offset table, also
    with blocks of a few dates."""
    from factorlab.factor import _events

    fd = gappy_fd
    offsets = _events.check_window(6, 12)
    d_idx, a_idx, q_labels, qcode, _, _ = _events.fd_codes(fd, False)
    kw = dict(demeaned=demeaned, group_adjust=False, by_group=False)
    fast = _events.fast_event_table(fd, fd.prices, offsets, d_idx, a_idx, qcode, None, 1, **kw)
    slow = _events.event_table(_events._grid_for(fd, fd.prices, d_idx, a_idx, relative=True), offsets, qcode,
                               None, 1, **kw)
    monkeypatch.setattr(_events, "_WINDOW_BLOCK_CELLS", 3 * len(fd.assets) * len(offsets))
    mean, std, present, labels = _events.dense_event_table(fd, fd.prices, offsets, demeaned)
    np.testing.assert_array_equal(labels, q_labels)
    np.testing.assert_array_equal(present, fast[2])
    for ours, theirs in ((mean, fast[0]), (std, fast[1]), (mean, slow[0]), (std, slow[1])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
