"""Tests of fl.interleaved_returns against independent, plain loop implementations.

The references below follow DESIGN.md ("The N-interleaved sub-portfolios")
literally: per bar, per sleeve, shares and cash. They share no code with
factorlab.portfolio.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import (
    AlignmentError,
    InvalidWeightsError,
    ParameterError,
    TimezoneMismatchError,
)

TOL = 1e-12


def interleaved_returns(*args, **kwargs):
    """``fl.interleaved_returns`` with a capital of 1: the hand-computed values here are growth of 1."""
    kwargs.setdefault("capital", 1.0)
    return fl.interleaved_returns(*args, **kwargs)


# ---------------------------------------------------------------- references
def reference_vector(weights, prices, N, delay=0, cost_bps=0.0, capital=1.0):
    """Per bar, per sleeve loop; each sleeve's shares are a vector over assets.

    Returns a dict of per-bar lists from the first execution bar on.
    """
    P = prices.to_numpy(dtype=float)
    T, A = P.shape
    W = weights.reindex(columns=prices.columns).to_numpy(dtype=float)
    signal_at = {prices.index.get_loc(d): i for i, d in enumerate(weights.index)}
    t0 = min(signal_at)
    shares = [np.zeros(A) for _ in range(N)]
    cash = [capital / N for _ in range(N)]
    last = np.zeros(A)  # last known price, 0 before the first one
    rec = {"equity": [], "sleeves": [], "traded": [], "cost": [], "events": 0, "holdings": []}
    for t in range(T):
        known = ~np.isnan(P[t])
        last[known] = P[t][known]
        if t < t0 + delay:
            continue
        s = t - delay  # the signal bar executed now
        k = (s - t0) % N  # the sleeve scheduled on it
        traded = cost = 0.0
        if s in signal_at:
            w = np.nan_to_num(W[signal_at[s]], nan=0.0)
            value = cash[k] + np.sum(shares[k] * last)
            can_trade = P[t] > 0  # False for NaN and 0
            stuck = ~can_trade & ((shares[k] != 0) | (w != 0))
            rec["events"] += int(stuck.sum())
            target = shares[k].copy()
            target[can_trade] = value * w[can_trade] / P[t][can_trade]
            change = target - shares[k]
            traded = float(np.sum(np.abs(change[can_trade]) * P[t][can_trade]))
            cost = cost_bps / 10_000 * traded
            cash[k] = cash[k] - float(np.sum(change[can_trade] * P[t][can_trade])) - cost
            shares[k] = target
        sleeve_values = [cash[j] + np.sum(shares[j] * last) for j in range(N)]
        rec["sleeves"].append(sleeve_values)
        rec["equity"].append(sum(sleeve_values))
        rec["traded"].append(traded)
        rec["cost"].append(cost)
        rec["holdings"].append(sum(shares) * last)
    return rec


def reference_scalar(weights, prices, N, delay=0, cost_bps=0.0, capital=1.0):
    """The same, in plain Python: per bar, per sleeve, per asset (for a few assets), with the ruin rule."""
    assets = list(prices.columns)
    dates = list(prices.index)
    price = {d: dict(zip(assets, row)) for d, row in zip(dates, prices.to_numpy().tolist())}
    wrow = {d: dict(zip(weights.columns, row)) for d, row in zip(weights.index, weights.to_numpy().tolist())}
    t0 = dates.index(weights.index[0])
    shares = [dict.fromkeys(assets, 0.0) for _ in range(N)]
    cash = [capital / N] * N
    last = dict.fromkeys(assets, 0.0)
    equity, events = [], 0
    ruined, dead = [False] * N, False

    def value(j):
        return cash[j] + sum(shares[j][a] * last[a] for a in assets)

    def settle(bad):
        """Ruin (DESIGN.md): close the sleeves ``bad`` at the marks; the others pay the shortfall.
        Returns whether the portfolio is ruined."""
        shortfall = 0.0
        for j in bad:
            v = value(j)
            close = sum(abs(shares[j][a]) * last[a] for a in assets)
            shortfall += cost_bps / 10_000 * close - v
            shares[j], cash[j], ruined[j] = dict.fromkeys(assets, 0.0), 0.0, True
        vals = [value(j) for j in range(N)]
        payers = [j for j in range(N) if not ruined[j] and vals[j] > 0]
        total = sum(vals[j] for j in payers)
        if total <= shortfall:
            return True
        for j in payers:
            cash[j] -= shortfall * vals[j] / total
        return False

    for t, date in enumerate(dates):
        for a in assets:
            if not math.isnan(price[date][a]):
                last[a] = price[date][a]
        if t < t0 + delay:
            continue
        if not dead:  # a sleeve worth <= 0 at the bar's marks, before the bar's rebalance
            bad = [j for j in range(N) if not ruined[j] and value(j) <= 0]
            dead = bool(bad) and settle(bad)
        k = (t - delay - t0) % N
        if not dead and dates[t - delay] in wrow and not ruined[k]:
            w = wrow[dates[t - delay]]
            v = value(k)
            traded = spent = 0.0
            for a in assets:
                wa = w.get(a, 0.0)
                wa = 0.0 if math.isnan(wa) else wa
                p = price[date][a]
                if not p > 0:  # no tradeable price: keep the position
                    if shares[k][a] != 0 or wa != 0:
                        events += 1
                    continue
                target = v * wa / p
                traded += abs(target - shares[k][a]) * p
                spent += (target - shares[k][a]) * p
                shares[k][a] = target
            cash[k] -= spent + cost_bps / 10_000 * traded
            if value(k) <= 0:  # its own costs ruined it: closed on this bar, the others pay
                dead = settle([k])
        equity.append(0.0 if dead else sum(value(j) for j in range(N)))
    return equity, events


def ref_returns(equity, capital=1.0):
    eq = np.asarray(equity)
    return eq / np.concatenate(([capital], eq[:-1])) - 1


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def ls_weights(reversal_factor):
    """Long-short (demeaned) weights of the 5-day reversal factor."""
    return fl.factor_weights(reversal_factor)


@pytest.fixture(scope="module")
def tilt_weights(reversal_factor):
    """Raw-value weights (long_short=False): mixed signs, net exposure != 0, cash moves."""
    return fl.factor_weights(reversal_factor, long_short=False)


@pytest.fixture(scope="module")
def gappy(sp500_prices):
    """20 real assets with synthetic gaps: holes, a delisting, a late listing, a bankruptcy."""
    p = sp500_prices.iloc[:, :20].copy()
    a = p.columns
    p.iloc[100:103, 0] = np.nan      # a three-bar hole
    p.iloc[400:, 1] = np.nan         # delisted
    p.iloc[:300, 2] = np.nan         # listed late
    p.iloc[700:705, 3] = 0.0         # bad ticks at 0 (untradeable, marked at 0)
    p.iloc[900:, 4] = 0.0            # bankrupt: 0 for ever
    rng = np.random.default_rng(7)
    holes = rng.random(p.shape) < 0.01
    p = p.mask(holes)
    return p, a


# ---------------------------------------------------------------- reference comparisons
@pytest.mark.parametrize("N", [1, 2, 5, 10, 21])
@pytest.mark.parametrize("delay", [0, 1])
@pytest.mark.parametrize("cost_bps", [0.0, 15.0])
@pytest.mark.parametrize("kind", ["long_short", "tilt"])
def test_matches_reference_on_real_data(sp500_prices, ls_weights, tilt_weights, N, delay, cost_bps, kind):
    w = ls_weights if kind == "long_short" else tilt_weights
    res = interleaved_returns(w, sp500_prices, N, delay=delay, cost_bps=cost_bps)
    ref = reference_vector(w, sp500_prices, N, delay, cost_bps)
    assert len(res.returns) == len(ref["equity"]) == len(sp500_prices) - 5 - delay
    np.testing.assert_allclose(res.equity.to_numpy(), ref["equity"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.returns.to_numpy(), ref_returns(ref["equity"]), rtol=0, atol=TOL)
    np.testing.assert_allclose(res.sleeve_equity.to_numpy(), ref["sleeves"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.costs.to_numpy(), ref["cost"], rtol=0, atol=TOL)
    pre_cost = np.asarray(ref["equity"]) + np.asarray(ref["cost"])
    expected_turnover = np.asarray(ref["traded"]) / pre_cost
    np.testing.assert_allclose(res.turnover.to_numpy(), expected_turnover, rtol=0, atol=TOL)
    if N in (1, 10):
        ref_w = np.asarray(ref["holdings"]) / np.asarray(ref["equity"])[:, None]
        got = res.weights.reindex(columns=sp500_prices.columns).to_numpy()
        np.testing.assert_allclose(got, ref_w, rtol=0, atol=TOL)
    assert res.n_gap_events == ref["events"] == 0
    if cost_bps:
        assert res.costs.sum() > 0
    assert res.returns.std() > 1e-4  # the factor actually moves


@pytest.mark.parametrize("N", [1, 2, 5, 10, 21])
@pytest.mark.parametrize("delay", [0, 1])
@pytest.mark.parametrize("cost_bps", [0.0, 15.0])
def test_matches_reference_with_gaps(gappy, tilt_weights, N, delay, cost_bps):
    prices, assets = gappy
    w = tilt_weights[assets]
    res = interleaved_returns(w, prices, N, delay=delay, cost_bps=cost_bps)
    ref = reference_vector(w, prices, N, delay, cost_bps)
    np.testing.assert_allclose(res.equity.to_numpy(), ref["equity"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.sleeve_equity.to_numpy(), ref["sleeves"], rtol=0, atol=TOL)
    assert res.n_gap_events == ref["events"] > 0
    assert len(res.gap_events) == res.n_gap_events
    if N in (1, 5, 21):  # the plain-Python loop on a 8-asset subset
        sub = prices.iloc[:, :8]
        res8 = interleaved_returns(w[sub.columns], sub, N, delay=delay, cost_bps=cost_bps)
        eq8, ev8 = reference_scalar(w[sub.columns], sub, N, delay, cost_bps)
        np.testing.assert_allclose(res8.equity.to_numpy(), eq8, rtol=0, atol=TOL)
        assert res8.n_gap_events == ev8 > 0


# ---------------------------------------------------------------- properties
def test_n1_is_daily_rebalanced_portfolio(sp500_prices, ls_weights, tilt_weights):
    r = sp500_prices.pct_change().to_numpy()
    for w in (ls_weights, tilt_weights):
        for delay in (0, 1):
            res = interleaved_returns(w, sp500_prices, 1, delay=delay)
            wv = np.nan_to_num(w.reindex(sp500_prices.index).to_numpy())
            t0 = sp500_prices.index.get_loc(w.index[0]) + delay
            # held from the close of t-1 to t: weights of signal bar t-1-delay
            expected = np.nansum(wv[t0 - delay:len(r) - 1 - delay] * r[t0 + 1:], axis=1)
            assert res.returns.iloc[0] == 0.0
            np.testing.assert_allclose(res.returns.to_numpy()[1:], expected, rtol=0, atol=TOL)


@pytest.mark.parametrize("N", [1, 3, 10])
def test_constant_prices_give_zero_returns_and_no_turnover_after_ramp(N, sp500_prices, ls_weights):
    p = pd.DataFrame(50.0, index=sp500_prices.index, columns=sp500_prices.columns)
    res = interleaved_returns(ls_weights, p, N)
    assert np.abs(res.returns.to_numpy()).max() < 1e-15
    np.testing.assert_allclose(res.equity.to_numpy(), 1.0, rtol=0, atol=1e-14)
    # constant prices: the only trades are the daily changes of the factor's target weights
    assert res.turnover.iloc[:N].gt(0).all()


def test_doubling_prices_changes_nothing(sp500_prices, tilt_weights):
    a = interleaved_returns(tilt_weights, sp500_prices, 5, delay=1, cost_bps=10)
    b = interleaved_returns(tilt_weights, sp500_prices * 2, 5, delay=1, cost_bps=10)
    for name in ("returns", "equity", "turnover", "costs"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=TOL)
    np.testing.assert_allclose(a.weights.to_numpy(), b.weights.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(a.holdings.to_numpy(), 2 * b.holdings.to_numpy(), rtol=1e-12)
    # and scaling the capital scales the money, not the returns
    c = interleaved_returns(tilt_weights, sp500_prices, 5, delay=1, cost_bps=10, capital=1e7)
    np.testing.assert_allclose(c.returns, a.returns, rtol=0, atol=TOL)
    np.testing.assert_allclose(c.equity / 1e7, a.equity, rtol=1e-12)
    np.testing.assert_allclose(c.costs / 1e7, a.costs, rtol=1e-12)


@pytest.mark.parametrize("N", [1, 4, 21])
def test_one_asset_long_only_earns_the_asset_return_after_ramp_in(sp500_prices, N):
    asset = sp500_prices.columns[3]
    w = pd.DataFrame(1.0, index=sp500_prices.index, columns=[asset])
    res = interleaved_returns(w, sp500_prices, N)
    own = sp500_prices[asset].pct_change().to_numpy()
    np.testing.assert_allclose(res.returns.to_numpy()[N:], own[N:], rtol=0, atol=TOL)
    if N > 1:  # ramp-in: at bar 1 only sleeve 0 (1/N of capital) is invested
        assert res.returns.iloc[1] == pytest.approx(own[1] / N, abs=TOL)
        assert res.weights[asset].iloc[N - 1] == pytest.approx(1.0, abs=TOL)
        assert res.weights[asset].iloc[0] == pytest.approx(1.0 / N, abs=TOL)


@pytest.mark.parametrize("cost_bps", [0.0, 20.0])
def test_sleeves_sum_to_equity(sp500_prices, tilt_weights, cost_bps):
    res = interleaved_returns(tilt_weights, sp500_prices, 7, delay=2, cost_bps=cost_bps, capital=1e6)
    np.testing.assert_allclose(res.sleeve_equity.sum(axis=1), res.equity, rtol=1e-13)
    assert res.sleeve_equity.shape == (len(res.equity), 7)
    assert res.equity.iloc[0] == pytest.approx(1e6 - res.costs.iloc[0], rel=1e-14)


def test_constant_weight_turnover_is_drift_only(sp500_prices, rng):
    N = 5
    p = sp500_prices.iloc[:, :20]
    w_vec = rng.normal(size=20)
    w_vec /= np.abs(w_vec).sum()
    w = pd.DataFrame(np.tile(w_vec, (len(p), 1)), index=p.index, columns=p.columns)
    res = interleaved_returns(w, p, N)
    P = p.to_numpy()
    turnover, eq, sleeves = res.turnover.to_numpy(), res.equity.to_numpy(), res.sleeve_equity.to_numpy()
    # first trades: each sleeve buys sum|w| = 1 of its capital / N
    np.testing.assert_allclose(turnover[:N] * eq[:N], 1.0 / N, rtol=1e-12)
    for t in range(N, len(p)):
        g = P[t] / P[t - N]                   # price growth since the sleeve's last rebalance
        G = 1 + w_vec @ (g - 1)               # the sleeve's value growth (cash = V (1 - sum w))
        drift = np.abs(w_vec - w_vec * g / G).sum()
        assert turnover[t] * eq[t] / sleeves[t, t % N] == pytest.approx(drift, rel=1e-9, abs=1e-15)
    assert turnover[N:].min() > 0


def test_delay_equals_shifted_signals(sp500_prices, ls_weights):
    d1 = interleaved_returns(ls_weights, sp500_prices, 5, delay=1, cost_bps=5)
    pos = sp500_prices.index.get_indexer(ls_weights.index[:-1])
    shifted = ls_weights.iloc[:-1].set_axis(sp500_prices.index[pos + 1])
    d0 = interleaved_returns(shifted, sp500_prices, 5, delay=0, cost_bps=5)
    pd.testing.assert_series_equal(d1.returns, d0.returns, rtol=0, atol=TOL)
    assert d1.index[0] == sp500_prices.index[sp500_prices.index.get_loc(ls_weights.index[0]) + 1]


def test_any_bar_frequency(sp500_prices, ls_weights):
    p = sp500_prices.iloc[:300, :50]
    w = ls_weights.loc[:p.index[-1], p.columns]
    daily = interleaved_returns(w, p, 5)
    for freq, label in (("h", "5h"), ("15min", "75m")):
        idx = pd.date_range("2021-01-04 09:00", periods=len(p), freq=freq)
        pi = p.set_axis(idx)
        wi = w.set_axis(idx[p.index.get_indexer(w.index)])
        res = interleaved_returns(wi, pi, 5)
        assert res.label == label
        np.testing.assert_array_equal(res.returns.to_numpy(), daily.returns.to_numpy())
    assert daily.label == "5D"


def test_bars_without_signal_keep_holdings(sp500_prices, ls_weights):
    p = sp500_prices.iloc[:200]
    w = ls_weights.loc[:p.index[-1]].iloc[::2]  # a signal every other bar
    res = interleaved_returns(w, p, 2)
    # sleeve 1 is scheduled on the bars without a signal: it never trades
    np.testing.assert_array_equal(res.sleeve_equity[1].to_numpy(), 0.5)
    assert res.frame["sleeve"].iloc[1::2].isna().all()
    assert (res.frame["sleeve"].iloc[::2] == 0).all()
    assert (res.turnover.iloc[1::2] == 0).all()
    # with N=1 a bar without a signal keeps the previous bar's shares
    one = interleaved_returns(w, p, 1)
    h = one.holdings.to_numpy()
    np.testing.assert_array_equal(h[1::2], h[0:-1:2][: len(h[1::2])])


# ---------------------------------------------------------------- gaps, by hand
def test_gap_semantics_by_hand():
    idx = pd.date_range("2020-01-01", periods=4, freq="D")
    p = pd.DataFrame({"A": [10.0, 11.0, 12.0, 13.0], "B": [20.0, np.nan, 22.0, 24.0]}, index=idx)
    w = pd.DataFrame({"A": [0.5, 0.5, 1.0, 1.0], "B": [0.5, 0.5, 0.0, 0.0]}, index=idx)
    res = interleaved_returns(w, p, 1, cost_bps=0.0)
    v1 = 0.05 * 11 + 0.025 * 20         # bar 1: B marked at its last price 20
    cash1 = v1 - v1 * 0.5 - 0.025 * 20  # A traded; B kept (no price)
    v2 = cash1 + (v1 * 0.5 / 11) * 12 + 0.025 * 22
    v3 = v2 / 12 * 13                   # bar 2: B closed, all in A
    np.testing.assert_allclose(res.equity.to_numpy(), [1.0, v1, v2, v3], rtol=1e-15)
    h = res.holdings
    assert h.loc[idx[1], "B"] == 0.025 and h.loc[idx[2], "B"] == 0.0
    assert res.n_gap_events == 1
    ev = res.gap_events
    assert ev.to_dict("records") == [{"date": idx[1], "sleeve": 0, "asset": "B", "shares": 0.025,
                                      "target_weight": 0.5}]
    assert res.frame["untradeable"].tolist() == [0, 1, 0, 0]


def test_zero_price_cannot_be_traded_and_is_marked_at_zero():
    idx = pd.date_range("2020-01-01", periods=4, freq="D")
    p = pd.DataFrame({"A": [10.0, 10.0, 10.0, 10.0], "B": [5.0, 0.0, 0.0, 0.0]}, index=idx)
    w = pd.DataFrame({"A": [0.5] * 4, "B": [0.5] * 4}, index=idx)
    res = interleaved_returns(w, p, 1)
    np.testing.assert_allclose(res.equity.to_numpy(), [1.0, 0.5, 0.5, 0.5], rtol=1e-15)
    assert res.n_gap_events == 3
    assert (res.holdings["B"] == 0.1).all()   # kept: a bankrupt position cannot be sold


def test_late_listing_is_not_bought_before_its_first_price():
    idx = pd.date_range("2020-01-01", periods=3, freq="D")
    p = pd.DataFrame({"A": [10.0, 11.0, 12.0], "B": [np.nan, 4.0, 5.0]}, index=idx)
    w = pd.DataFrame({"A": [0.5] * 3, "B": [0.5] * 3}, index=idx)
    res = interleaved_returns(w, p, 1)
    # bar 0: half in A, B has no price yet -> the other half stays in cash; bar 1: V = 0.5 + 0.05 * 11
    np.testing.assert_allclose(res.holdings["B"].to_numpy()[:2], [0.0, 1.05 * 0.5 / 4.0], rtol=1e-15)
    assert res.n_gap_events == 1 and res.gap_events["asset"].tolist() == ["B"]
    assert res.equity.iloc[0] == 1.0  # the unbought half stays in cash


# ---------------------------------------------------------------- costs by hand
def test_costs_by_hand():
    idx = pd.date_range("2020-01-01", periods=3, freq="D")
    p = pd.DataFrame({"A": [1.0, 2.0, 2.0]}, index=idx)
    w = pd.DataFrame({"A": [1.0, 0.5, 0.5]}, index=idx)
    res = interleaved_returns(w, p, 1, cost_bps=100.0)   # 1%
    # bar 0: buy 1.0 notional, cost 0.01 from cash -> equity 0.99
    # bar 1: V = 2 - 0.01 = 1.99, target 0.995 of A: sell 1.005 notional, cost 0.01005
    # bar 2: V = 1.99 - 0.01005, target 0.5 V, shares held worth 0.995 (price flat): trade 0.5 V - 0.995
    v2 = 1.99 - 0.01005
    cost2 = 0.01 * abs(0.5 * v2 - 0.995)
    np.testing.assert_allclose(res.costs.to_numpy(), [0.01, 0.01005, cost2], rtol=1e-13)
    np.testing.assert_allclose(res.equity.to_numpy(), [0.99, v2, v2 - cost2], rtol=1e-13)
    np.testing.assert_allclose(res.turnover.to_numpy()[:2], [1.0, 1.005 / 1.99], rtol=1e-13)


# ---------------------------------------------------------------- outputs
def test_frame_and_summary(sp500_prices, ls_weights):
    res = interleaved_returns(ls_weights, sp500_prices, 5, cost_bps=10, capital=100.0)
    f = res.frame
    assert list(f.columns) == ["equity", "return", "pnl", "long_exposure", "short_exposure",
                               "gross_exposure", "net_exposure", "turnover", "cost", "sleeve", "untradeable"]
    assert f.index.name == "date" and f.index.equals(res.index)
    assert f["pnl"].sum() == pytest.approx(f["equity"].iloc[-1] - 100.0, abs=1e-9)
    np.testing.assert_allclose(f["gross_exposure"], f["long_exposure"] - f["short_exposure"])
    assert f["short_exposure"].le(0).all() and f["long_exposure"].ge(0).all()
    # a dollar-neutral factor: net exposure near 0; each sleeve has gross 1 at its rebalance,
    # but longs of one sleeve net against shorts of another, so the portfolio's gross is <= ~1
    assert f["net_exposure"].iloc[5:].abs().max() < 0.1
    assert f["gross_exposure"].iloc[5:].between(0.3, 1.05).all()
    assert f["gross_exposure"].iloc[0] == pytest.approx(100 / 5 / f["equity"].iloc[0], rel=1e-9)
    assert f["sleeve"].tolist()[:7] == [0, 1, 2, 3, 4, 0, 1]
    np.testing.assert_allclose(f["cost"], res.turnover * (res.equity + res.costs) * 10e-4, rtol=1e-12)
    s = res.summary()
    assert s.loc["total_return", "value"] == pytest.approx(res.equity.iloc[-1] / 100 - 1)
    assert s.loc["period", "value"] == "5D" and s.loc["gap_events", "value"] == 0
    assert "Interleaved" in res._repr_html_() and "total_return" in res._repr_html_()
    assert "5D" in repr(res)
    np.testing.assert_allclose(res.cumulative_returns, (1 + res.returns).cumprod() - 1, atol=1e-12)


def test_inputs_are_not_mutated(sp500_prices, tilt_weights):
    p, w = sp500_prices.iloc[:100, :30].copy(), tilt_weights.iloc[:90, :30].copy()
    p.iloc[10, 3] = np.nan
    p0, w0 = p.copy(), w.copy()
    interleaved_returns(w, p, 3, delay=1, cost_bps=5).frame
    pd.testing.assert_frame_equal(p, p0)
    pd.testing.assert_frame_equal(w, w0)


def test_long_series_weights_accepted(sp500_prices, ls_weights):
    wide = ls_weights.iloc[:200, :40]
    long = wide.stack().rename_axis(["date", "asset"])
    a = interleaved_returns(wide, sp500_prices.iloc[:250], 3)
    b = interleaved_returns(long, sp500_prices.iloc[:250], 3)
    pd.testing.assert_series_equal(a.returns, b.returns, rtol=0, atol=TOL)


# ---------------------------------------------------------------- bad input
@pytest.fixture
def small(sp500_prices, ls_weights):
    return ls_weights.iloc[:50, :10].copy(), sp500_prices.iloc[:60]


def test_nan_weights_mean_zero(small):
    w, p = small
    w.iloc[3, 2] = np.nan
    w.iloc[7] = np.nan
    a = interleaved_returns(w, p, 2)
    b = interleaved_returns(w.fillna(0.0), p, 2)
    pd.testing.assert_series_equal(a.returns, b.returns, rtol=0, atol=0)
    one = interleaved_returns(w, p, 1)
    assert (one.holdings.iloc[7] == 0).all()  # an all-NaN row sends the sleeve to cash
    assert one.equity.iloc[8] == one.equity.iloc[7]


def test_misaligned_dates_and_assets(small):
    w, p = small
    bad = w.rename(index={w.index[4]: pd.Timestamp("1999-01-01")}).sort_index()
    with pytest.raises(AlignmentError, match="1999-01-01"):
        interleaved_returns(bad, p, 2)
    with pytest.raises(AlignmentError, match="NOTATICKER"):
        interleaved_returns(w.rename(columns={w.columns[0]: "NOTATICKER"}), p, 2)
    with pytest.raises(TimezoneMismatchError):
        interleaved_returns(w.tz_localize("UTC"), p, 2)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_weights(small, value):
    w, p = small
    w.iloc[5, 1] = value
    with pytest.raises(InvalidWeightsError, match=str(w.columns[1])):
        interleaved_returns(w, p, 2)


@pytest.mark.parametrize("period", [0, -1, 2.5, True, "5"])
def test_bad_period(small, period):
    w, p = small
    with pytest.raises(ParameterError, match="period"):
        interleaved_returns(w, p, period)


def test_period_longer_than_data(small):
    w, p = small
    n = len(p) - p.index.get_loc(w.index[0])
    interleaved_returns(w, p, n)  # every sleeve trades once: allowed
    with pytest.raises(ParameterError, match="longer"):
        interleaved_returns(w, p, n + 1)


@pytest.mark.parametrize("kwargs", [{"delay": -1}, {"delay": 1.0}, {"delay": 10_000},
                                    {"cost_bps": -1.0}, {"cost_bps": float("nan")}, {"capital": 0.0}])
def test_bad_parameters(small, kwargs):
    w, p = small
    with pytest.raises(ParameterError):
        interleaved_returns(w, p, 2, **kwargs)


# ---------------------------------------------------------------- random small cases
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def small_cases(draw):
    n_bars = draw(st.integers(4, 25))
    n_assets = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-03-01 09:30", periods=n_bars, freq="min")
    cols = [f"X{i}" for i in range(n_assets)]
    prices = pd.DataFrame(rng.uniform(1, 5, size=(n_bars, n_assets)), index=idx, columns=cols)
    prices = prices.mask(rng.random(prices.shape) < draw(st.sampled_from([0.0, 0.15])))
    prices = prices.mask(rng.random(prices.shape) < draw(st.sampled_from([0.0, 0.1])), 0.0)
    first = draw(st.integers(0, 2))
    keep = rng.random(n_bars - first) < draw(st.sampled_from([1.0, 0.6]))
    keep[0] = True
    dates = idx[first:][keep]
    weights = pd.DataFrame(rng.normal(size=(len(dates), n_assets)), index=dates, columns=cols)
    weights = weights.mask(rng.random(weights.shape) < 0.2)
    N = draw(st.integers(1, 5))
    delay = draw(st.integers(0, 2))
    room = n_bars - (first + delay)
    if room < N:
        N = max(room, 1)
    cost = draw(st.sampled_from([0.0, 30.0]))
    return weights, prices, N, delay, cost


@settings(max_examples=60, deadline=None)
@given(small_cases())
def test_random_small_cases_match_plain_python(case):
    weights, prices, N, delay, cost = case
    if prices.isna().all().all() or len(prices) - prices.index.get_loc(weights.index[0]) - delay < 1:
        return
    res = interleaved_returns(weights, prices, N, delay=delay, cost_bps=cost, capital=3.0)
    equity, events = reference_scalar(weights, prices, N, delay, cost, capital=3.0)
    np.testing.assert_allclose(res.equity.to_numpy(), equity, rtol=1e-12, atol=1e-12)
    assert res.n_gap_events == events
    np.testing.assert_allclose(res.sleeve_equity.sum(axis=1).to_numpy(), equity, rtol=1e-12, atol=1e-12)
