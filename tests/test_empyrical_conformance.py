"""factorlab.metrics against empyrical-reloaded itself, statistic by statistic, to 1e-9.

Three kinds of input:

1. generated returns (hypothesis) with leading, trailing and interior NaN, NaN
   inside rolling windows, every window length from 1 to past the end;
2. the repository's sample: ``load_sample().prices.pct_change()`` (a leading
   NaN on every column) against ``benchmark.pct_change()``;
3. the inputs that used to disagree: a per-bar risk-free rate as an array and
   as a Series, per-bar required returns, VaR / CVaR cutoffs 0 and 1, a
   numeric benchmark for the information ratio, a leading NaN in the CAGR.

Where factorlab deliberately differs (docs/differences.md), the test asserts
factorlab's documented value instead: NaN where empyrical gives +-inf (a zero
denominator), NaN for the level statistics of all-NaN input (empyrical: 0.0),
NaN for a Sortino / Omega from one valid return, VaR skipping NaN, and an
empty result for a rolling window longer than the data.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
import factorlab.metrics as fm
from factorlab.errors import AlignmentError, ParameterError

ep = pytest.importorskip("empyrical")
hyp = pytest.importorskip("hypothesis")
scipy_stats = pytest.importorskip("scipy.stats")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PPY = 252
K = {"periods_per_year": PPY}
TOL = 1e-9
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ---------------------------------------------------------------- comparison
def _close(a: float, b: float) -> bool:
    """1e-9 absolute below 1 in magnitude, 1e-9 relative above."""
    return abs(a - b) <= TOL * max(1.0, abs(b))


def agree(ours, ref, degenerate=None, what="") -> None:
    """``ours`` equals empyrical's ``ref`` elementwise, under factorlab's documented conventions.

    ``degenerate`` (bool, elementwise) marks inputs where factorlab's value is NaN by
    convention whatever empyrical gives; an infinite empyrical value must be NaN here
    (factorlab's ratios are never infinite); otherwise both NaN or equal to 1e-9.
    """
    a = np.atleast_1d(np.asarray(ours, dtype=float))
    b = np.atleast_1d(np.asarray(ref, dtype=float))
    assert a.shape == b.shape, (what, a.shape, b.shape)
    deg = np.zeros(a.shape, bool) if degenerate is None else np.broadcast_to(np.asarray(degenerate), a.shape)
    for i, (x, y, d) in enumerate(zip(a.ravel(), b.ravel(), deg.ravel())):
        if d or np.isinf(y):
            assert math.isnan(x), f"{what}[{i}]: factorlab {x!r}, expected NaN (empyrical {y!r})"
        elif math.isnan(y):
            assert math.isnan(x), f"{what}[{i}]: factorlab {x!r}, empyrical NaN"
        else:
            assert _close(x, y), f"{what}[{i}]: factorlab {x!r} != empyrical {y!r}"


# ---------------------------------------------------------------- generated returns
def _index(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2020-01-01", periods=n)


@st.composite
def returns_arrays(draw, min_size: int = 1, max_size: int = 40) -> np.ndarray:
    """Returns on a 1e-6 grid in [-9%, 9%], with leading / trailing / interior NaN."""
    n = draw(st.integers(min_size, max_size))
    x = np.array(draw(st.lists(st.integers(-90_000, 90_000), min_size=n, max_size=n)), float) / 1e6
    if draw(st.booleans()):
        x[np.array(draw(st.lists(st.integers(-5, 30), min_size=n, max_size=n))) < 0] = 0.0  # flat bars
    lead = draw(st.integers(0, n))
    trail = draw(st.integers(0, n - lead))
    x[:lead] = np.nan
    x[n - trail:] = np.nan
    for i in draw(st.lists(st.integers(0, n - 1), max_size=max(1, n // 3))):
        x[i] = np.nan
    return x


@st.composite
def return_pairs(draw, min_size: int = 1, max_size: int = 40):
    n = draw(st.integers(min_size, max_size))
    r = draw(returns_arrays(n, n))
    b = draw(returns_arrays(n, n))
    return pd.Series(r, index=_index(n)), pd.Series(b, index=_index(n))


def _valid(x) -> int:
    return int(np.sum(~np.isnan(np.asarray(x, float))))


def _series(x: np.ndarray) -> pd.Series:
    return pd.Series(x, index=_index(len(x)))


# one return stream: name -> (factorlab, empyrical, degenerate(x) -> bool)
UNARY = {
    "total_return": (fm.total_return, ep.cum_returns_final, lambda x: _valid(x) == 0),
    "cagr": (lambda r: fm.cagr(r, **K), ep.cagr, lambda x: _valid(x) == 0),
    "annual_return": (lambda r: fm.cagr(r, **K), ep.annual_return, lambda x: _valid(x) == 0),
    "annual_volatility": (lambda r: fm.annual_volatility(r, **K), ep.annual_volatility, None),
    "sharpe_ratio": (lambda r: fm.sharpe_ratio(r, **K), ep.sharpe_ratio, None),
    "sharpe_ratio_rf": (lambda r: fm.sharpe_ratio(r, 0.0002, **K), lambda r: ep.sharpe_ratio(r, 0.0002), None),
    "downside_risk": (lambda r: fm.downside_risk(r, **K), ep.downside_risk, None),
    "downside_risk_req": (lambda r: fm.downside_risk(r, 0.001, **K), lambda r: ep.downside_risk(r, 0.001), None),
    "sortino_ratio": (lambda r: fm.sortino_ratio(r, **K), ep.sortino_ratio, lambda x: _valid(x) < 2),
    "sortino_ratio_req": (lambda r: fm.sortino_ratio(r, -0.001, **K), lambda r: ep.sortino_ratio(r, -0.001),
                          lambda x: _valid(x) < 2),
    "calmar_ratio": (lambda r: fm.calmar_ratio(r, **K), ep.calmar_ratio, None),
    "omega_ratio": (lambda r: fm.omega_ratio(r, **K), ep.omega_ratio, lambda x: _valid(x) < 2),
    "omega_ratio_rf_req": (lambda r: fm.omega_ratio(r, 0.0001, 0.05, **K),
                           lambda r: ep.omega_ratio(r, 0.0001, 0.05), lambda x: _valid(x) < 2),
    "omega_ratio_ppy1": (lambda r: fm.omega_ratio(r, 0.0, 0.001, periods_per_year=1),
                         lambda r: ep.omega_ratio(r, 0.0, 0.001, annualization=1), lambda x: _valid(x) < 2),
    "max_drawdown": (fm.max_drawdown, ep.max_drawdown, lambda x: _valid(x) == 0),
    "stability_of_timeseries": (fm.stability_of_timeseries, ep.stability_of_timeseries, None),
    "tail_ratio": (fm.tail_ratio, ep.tail_ratio, None),
    "conditional_value_at_risk": (fm.conditional_value_at_risk, ep.conditional_value_at_risk, None),
    "cvar_0": (lambda r: fm.conditional_value_at_risk(r, 0.0), lambda r: ep.conditional_value_at_risk(r, 0.0), None),
    "cvar_1": (lambda r: fm.conditional_value_at_risk(r, 1.0), lambda r: ep.conditional_value_at_risk(r, 1.0), None),
    "excess_sharpe_0": (lambda r: fm.excess_sharpe(r, 0.0), lambda r: ep.excess_sharpe(r, 0.0), None),
    "information_ratio_0": (lambda r: fm.information_ratio(r, 0.0, **K) / np.sqrt(PPY),
                            lambda r: ep.excess_sharpe(r, 0.0), None),
}

# empyrical's NaN propagation (VaR, scipy's skew / kurtosis): compared on the valid returns
NAN_SKIPPING = {
    "value_at_risk": (fm.value_at_risk, ep.value_at_risk),
    "var_0": (lambda r: fm.value_at_risk(r, 0.0), lambda r: ep.value_at_risk(r, 0.0)),
    "var_1": (lambda r: fm.value_at_risk(r, 1.0), lambda r: ep.value_at_risk(r, 1.0)),
    "var_01": (lambda r: fm.value_at_risk(r, 0.01), lambda r: ep.value_at_risk(r, 0.01)),
    "skew": (fm.skew, scipy_stats.skew),
    "kurtosis": (fm.kurtosis, scipy_stats.kurtosis),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(x=returns_arrays())
def test_generated_unary(name, x):
    ours, ref, degenerate = UNARY[name]
    deg = bool(degenerate(x)) if degenerate else False
    agree(ours(x), ref(x), deg, f"{name} ndarray")
    s = _series(x)
    agree(ours(s), ref(s), deg, f"{name} Series")


@pytest.mark.parametrize("name", list(NAN_SKIPPING))
@SETTINGS
@given(x=returns_arrays())
def test_generated_nan_skipping(name, x):
    ours, ref = NAN_SKIPPING[name]
    valid = x[~np.isnan(x)]
    deg = name in ("skew", "kurtosis") and (len(valid) < 3 or valid.min() == valid.max())
    agree(ours(x), ref(valid) if len(valid) else np.nan, deg, name)


@pytest.mark.parametrize("name", ["value_at_risk", "var_0", "var_1"])
def test_var_skips_nan_where_empyrical_propagates_it(name):
    ours, ref = NAN_SKIPPING[name]
    x = np.array([np.nan, 0.01, -0.02, 0.03, np.nan])
    assert math.isnan(ref(x))
    assert ours(x) == pytest.approx(ref(x[1:4]), abs=TOL)


# against a benchmark: name -> (factorlab, empyrical, degenerate(r, b) -> bool)
BINARY = {
    "beta": (fm.beta, ep.beta, None),
    "alpha": (lambda r, b: fm.alpha(r, b, **K), ep.alpha, None),
    "alpha_rf": (lambda r, b: fm.alpha(r, b, 0.0001, **K), lambda r, b: ep.alpha(r, b, 0.0001), None),
    "alpha_beta": (lambda r, b: fm.alpha_beta(r, b, **K), ep.alpha_beta, None),
    "excess_sharpe": (fm.excess_sharpe, ep.excess_sharpe, None),
    "information_ratio": (lambda r, b: fm.information_ratio(r, b, **K) / np.sqrt(PPY), ep.excess_sharpe, None),
    "capture": (lambda r, b: fm.capture(r, b, **K), ep.capture, lambda r, b: _valid(r) == 0),
    "up_capture": (lambda r, b: fm.up_capture(r, b, **K), ep.up_capture, None),
    "down_capture": (lambda r, b: fm.down_capture(r, b, **K), ep.down_capture, None),
    "up_down_capture": (lambda r, b: fm.up_down_capture(r, b, **K), ep.up_down_capture, None),
    "batting_average": (fm.batting_average, ep.batting_average, None),
    "up_alpha_beta": (lambda r, b: fm.up_alpha_beta(r, b, **K), ep.up_alpha_beta, None),
    "down_alpha_beta": (lambda r, b: fm.down_alpha_beta(r, b, **K), ep.down_alpha_beta, None),
}


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(pair=return_pairs())
def test_generated_benchmark(name, pair):
    r, b = pair
    ours, ref, degenerate = BINARY[name]
    deg = bool(degenerate(r, b)) if degenerate else False
    agree(ours(r, b), ref(r, b), deg, f"{name} Series")
    agree(ours(r.to_numpy(), b.to_numpy()), ref(r.to_numpy(), b.to_numpy()), deg, f"{name} ndarray")


# rolling: name -> (factorlab(r[, b], w), empyrical(r[, b], w), degenerate window(r[, b]) -> bool)
def _tail(obj, w: int):
    """The values from the first full window on (the months-based forms keep the input's index)."""
    return obj.iloc[w - 1:] if isinstance(obj, (pd.Series, pd.DataFrame)) else obj[w - 1:]


def _ep_window_loop(func):
    return lambda r, w: np.array([func(r.iloc[i - w:i]) for i in range(w, len(r) + 1)])


ROLL_UNARY = {
    "roll_max_drawdown": (fm.roll_max_drawdown, ep.roll_max_drawdown, lambda x: _valid(x) == 0),
    "roll_cagr": (lambda r, w: fm.roll_cagr(r, w, **K), _ep_window_loop(ep.cagr), lambda x: _valid(x) == 0),
    "roll_annual_volatility": (lambda r, w: fm.roll_annual_volatility(r, w, **K), ep.roll_annual_volatility, None),
    "roll_sharpe_ratio": (lambda r, w: fm.roll_sharpe_ratio(r, w, **K), ep.roll_sharpe_ratio, None),
    "roll_sharpe_ratio_rf": (lambda r, w: fm.roll_sharpe_ratio(r, w, 0.0002, **K),
                             lambda r, w: ep.roll_sharpe_ratio(r, w, risk_free=0.0002), None),
    "roll_sortino_ratio": (lambda r, w: fm.roll_sortino_ratio(r, w, **K), ep.roll_sortino_ratio,
                           lambda x: _valid(x) < 2),
    "roll_downside_risk": (lambda r, w: fm.roll_downside_risk(r, w, **K), ep.stats.roll_downside_risk, None),
    "rolling_sharpe": (lambda r, w: _tail(fm.rolling_sharpe(r, window=w, **K), w),
                       ep.roll_sharpe_ratio, None),
}
ROLL_BINARY = {
    "roll_beta": (fm.roll_beta, ep.roll_beta),
    "roll_alpha": (lambda r, b, w: fm.roll_alpha(r, b, w, **K), ep.roll_alpha),
    "roll_alpha_beta": (lambda r, b, w: fm.roll_alpha_beta(r, b, w, **K),
                        lambda r, b, w: ep.roll_alpha_beta(r, b, window=w)),
    "roll_excess_sharpe": (fm.roll_excess_sharpe, ep.stats.roll_excess_sharpe),
    "roll_up_capture": (lambda r, b, w: fm.roll_up_capture(r, b, w, **K),
                        lambda r, b, w: ep.roll_up_capture(r, b, window=w)),
    "roll_down_capture": (lambda r, b, w: fm.roll_down_capture(r, b, w, **K),
                          lambda r, b, w: ep.roll_down_capture(r, b, window=w)),
    "roll_up_down_capture": (lambda r, b, w: fm.roll_up_down_capture(r, b, w, **K),
                             lambda r, b, w: ep.roll_up_down_capture(r, b, window=w)),
    "rolling_beta": (lambda r, b, w: _tail(fm.rolling_beta(r, b, window=w, **K), w), ep.roll_beta),
}


def _window_flags(x: np.ndarray, w: int, degenerate) -> np.ndarray:
    if degenerate is None:
        return np.zeros(max(len(x) - w + 1, 0), bool)
    return np.array([bool(degenerate(x[i - w:i])) for i in range(w, len(x) + 1)])


@pytest.mark.parametrize("name", list(ROLL_UNARY))
@SETTINGS
@given(x=returns_arrays(max_size=30), w=st.integers(1, 33))
def test_generated_rolling(name, x, w):
    ours, ref, degenerate = ROLL_UNARY[name]
    if name == "rolling_sharpe" and w < 2:
        w = 2  # the months-based form needs a 2-bar window
    s = _series(x)
    got = ours(s, w)
    if w > len(x):  # no complete window: empty here (empyrical's vectorised roll gives one value)
        assert len(got) == 0 and len(fm.roll_max_drawdown(x, w)) == 0
        return
    want = ref(s, w)
    assert list(got.index) == list(s.index[w - 1:])
    agree(got, want, _window_flags(x, w, degenerate), f"{name} w={w}")


@pytest.mark.parametrize("name", list(ROLL_BINARY))
@SETTINGS
@given(pair=return_pairs(max_size=30), w=st.integers(1, 33))
def test_generated_rolling_benchmark(name, pair, w):
    r, b = pair
    ours, ref = ROLL_BINARY[name]
    if name == "rolling_beta" and w < 2:
        w = 2
    got = ours(r, b, w)
    if w > len(r):
        assert len(got) == 0
        return
    agree(got, ref(r, b, w), None, f"{name} w={w}")
    got_arr = ours(r.to_numpy(), b.to_numpy(), w)
    agree(got_arr, np.asarray(got), None, f"{name} ndarray w={w}")


@SETTINGS
@given(x=returns_arrays(min_size=2), y=st.integers(0, 10**6))
def test_generated_frame_equals_columns(x, y):
    """A DataFrame gives each column's value (each column has its own NaN)."""
    other = np.roll(x, y % len(x))
    df = pd.DataFrame({"a": x, "b": other}, index=_index(len(x)))
    bench = pd.Series(np.nan_to_num(other[::-1]) - 0.0003, index=df.index)
    for f in (lambda r: fm.cagr(r, **K), lambda r: fm.sortino_ratio(r, **K), fm.max_drawdown,
              lambda r: fm.up_capture(r, bench, **K), lambda r: fm.capture(r, bench, **K)):
        got = f(df)
        for col in df:
            agree(got[col], f(df[col]), None, col)
    ba = fm.batting_average(df, bench)
    for col in df:
        agree(ba.loc[col], fm.batting_average(df[col], bench), None, col)
    w = max(1, len(x) // 2)
    rab = fm.roll_alpha_beta(df, bench, w, **K)
    for col in df:
        agree(rab[col], fm.roll_alpha_beta(df[col], bench, w, **K), None, col)


# ---------------------------------------------------------------- the repository's sample
@pytest.fixture(scope="module")
def sample():
    s = fl.load_sample()
    return s.prices.pct_change(), s.benchmark.pct_change()


SAMPLE_UNARY = [k for k in UNARY if not k.startswith("omega_ratio_ppy")]


@pytest.mark.parametrize("name", SAMPLE_UNARY)
def test_sample_unary(name, sample):
    rets, _ = sample
    assert rets.iloc[0].isna().all()  # the leading NaN of pct_change is part of the test
    ours, ref, _ = UNARY[name]
    got = ours(rets)
    assert isinstance(got, pd.Series) and list(got.index) == list(rets.columns)
    agree(got, [ref(rets[c]) for c in rets], None, name)


@pytest.mark.parametrize("name", list(NAN_SKIPPING))
def test_sample_nan_skipping(name, sample):
    rets, _ = sample
    ours, ref = NAN_SKIPPING[name]
    agree(ours(rets), [ref(rets[c].dropna()) for c in rets], None, name)


@pytest.mark.parametrize("name", list(BINARY))
def test_sample_benchmark(name, sample):
    rets, bench = sample
    ours, ref, _ = BINARY[name]
    got = ours(rets, bench)
    for col in rets.columns[::7]:
        want = ref(rets[col], bench)
        one = got.loc[col] if isinstance(got, pd.DataFrame) else got[col]
        agree(one, want, None, f"{name} {col}")
        agree(ours(rets[col], bench), want, None, f"{name} {col} Series")


@pytest.mark.parametrize("w", [1, 21, 126])
@pytest.mark.parametrize("name", list(ROLL_UNARY))
def test_sample_rolling(name, w, sample):
    rets, _ = sample
    if name == "rolling_sharpe" and w < 2:
        pytest.skip("the months-based form needs a 2-bar window")
    ours, ref, degenerate = ROLL_UNARY[name]
    cols = ["AAPL", "XOM"] if "AAPL" in rets else list(rets.columns[:2])
    for col in cols:
        r = rets[col].copy()
        r.iloc[[40, 41, 300]] = np.nan  # NaN inside windows, besides the leading one
        agree(ours(r, w), ref(r, w), _window_flags(r.to_numpy(), w, degenerate), f"{name} {col} w={w}")
    if name.startswith("roll_"):  # a frame: one column per column
        frame = ours(rets[cols], w)
        agree(frame[cols[0]], ours(rets[cols[0]], w), None, name)


@pytest.mark.parametrize("w", [1, 21, 126])
@pytest.mark.parametrize("name", list(ROLL_BINARY))
def test_sample_rolling_benchmark(name, w, sample):
    rets, bench = sample
    if name == "rolling_beta" and w < 2:
        pytest.skip("the months-based form needs a 2-bar window")
    ours, ref = ROLL_BINARY[name]
    r = rets.iloc[:, 3].copy()
    r.iloc[[40, 41, 300]] = np.nan
    b = bench.copy()
    b.iloc[[100, 500]] = np.nan
    agree(ours(r, b, w), ref(r, b, w), None, f"{name} w={w}")


# ---------------------------------------------------------------- the inputs that used to disagree
def _rf_case():
    rng = np.random.default_rng(7)
    r = pd.Series(rng.normal(0.0006, 0.012, 300), index=_index(300))
    rf = pd.Series(np.linspace(0.0, 0.0004, 300) + rng.normal(0, 0.0001, 300), index=r.index)
    return r, rf


def test_per_bar_risk_free_array_sharpe():
    """(d) first: an array rate is one rate per bar, not an n x n grid nor the first bar's rate."""
    r, rf = _rf_case()
    want = ep.sharpe_ratio(r.to_numpy(), rf.to_numpy())
    got = fm.sharpe_ratio(r.to_numpy(), rf.to_numpy(), **K)
    assert got == pytest.approx(want, abs=TOL)
    assert fm.sharpe_ratio(r, rf.to_numpy(), **K) == pytest.approx(want, abs=TOL)
    assert fm.sharpe_ratio(r, list(rf), **K) == pytest.approx(want, abs=TOL)
    assert got == pytest.approx(fm.sharpe_ratio(r - rf, **K), abs=1e-12)
    assert abs(got - fm.sharpe_ratio(r, float(rf.iloc[0]), **K)) > 1e-3  # not the first bar's rate


def test_per_bar_risk_free_series_aligned_by_index():
    r, rf = _rf_case()
    want = ep.sharpe_ratio(r, rf)
    shuffled = rf.sample(frac=1.0, random_state=3)
    assert fm.sharpe_ratio(r, shuffled, **K) == pytest.approx(want, abs=TOL)
    # a date without a rate is skipped, as empyrical's aligned subtraction skips it
    partial = rf.drop(rf.index[[5, 17, 250]])
    assert fm.sharpe_ratio(r, partial, **K) == pytest.approx(ep.sharpe_ratio(r, partial), abs=TOL)
    # a DataFrame of returns: the Series aligns on the dates, for every column
    df = pd.DataFrame({"a": r, "b": r[::-1].to_numpy()}, index=r.index)
    got = fm.sharpe_ratio(df, rf, **K)
    for col in df:
        assert got[col] == pytest.approx(ep.sharpe_ratio(df[col], rf), abs=TOL)
    got = fm.sharpe_ratio(df, pd.DataFrame({"b": rf * 2, "a": rf}), **K)
    assert got["a"] == pytest.approx(ep.sharpe_ratio(df["a"], rf), abs=TOL)
    assert got["b"] == pytest.approx(ep.sharpe_ratio(df["b"], rf * 2), abs=TOL)


def test_per_bar_rates_every_function():
    r, rf = _rf_case()
    b = pd.Series(np.random.default_rng(8).normal(0.0004, 0.01, len(r)), index=r.index)
    ra, rfa, ba = r.to_numpy(), rf.to_numpy(), b.to_numpy()
    for rate in (rfa, rf):
        assert fm.downside_risk(r, rate, **K) == pytest.approx(ep.downside_risk(r, rate), abs=TOL)
        assert fm.sortino_ratio(r, rate, **K) == pytest.approx(ep.sortino_ratio(r, rate), abs=TOL)
        assert fm.omega_ratio(r, rate, **K) == pytest.approx(ep.omega_ratio(r, rate), abs=TOL)
        assert fm.omega_ratio(r, 0.0, rate, periods_per_year=1) == pytest.approx(
            ep.omega_ratio(r, 0.0, rate, annualization=1), abs=TOL)
        a, be = fm.alpha_beta(r, b, rate, **K)
        wa, wb = ep.alpha_beta(r, b, rate)
        assert (a, be) == (pytest.approx(wa, abs=TOL), pytest.approx(wb, abs=TOL))
        assert fm.alpha(r, b, rate, **K) == pytest.approx(ep.alpha(r, b, rate), abs=TOL)
        assert fm.beta(r, b, rate) == pytest.approx(ep.beta(r, b, rate), abs=TOL)
    # the required return (annual) of Omega, one per bar, is de-annualised bar by bar
    req = np.linspace(0.0, 0.1, len(r))
    thresholds = (1 + req) ** (1 / PPY) - 1
    assert fm.omega_ratio(ra, 0.0, req, **K) == pytest.approx(
        ep.omega_ratio(ra - thresholds, 0.0, 0.0, annualization=1), abs=TOL)
    # up/down alpha-beta with a per-bar rate: empyrical's on the chosen bars
    for side, fn in (("up", fm.up_alpha_beta), ("down", fm.down_alpha_beta)):
        mask = ba > 0 if side == "up" else ba < 0
        got = fn(r, b, rf, **K)
        want = ep.alpha_beta(ra[mask], ba[mask], rfa[mask])
        assert got == (pytest.approx(want[0], abs=TOL), pytest.approx(want[1], abs=TOL))
    # rolling with a per-bar rate: each window uses its own bars' rates
    got = fm.roll_sharpe_ratio(r, 50, rf, **K)
    np.testing.assert_allclose(got, ep.roll_sharpe_ratio(r - rf, 50), rtol=0, atol=TOL)
    got = fm.rolling_sharpe(r, window=50, risk_free=rfa, **K).iloc[49:]
    np.testing.assert_allclose(got, ep.roll_sharpe_ratio(r - rf, 50), rtol=0, atol=TOL)
    got = fm.roll_sortino_ratio(r, 50, rfa, **K)
    np.testing.assert_allclose(got, ep.roll_sortino_ratio(r - rf, 50), rtol=0, atol=TOL)
    got = fm.roll_alpha_beta(r, b, 50, rf, **K)
    want = np.array([ep.alpha_beta(ra[i - 50:i], ba[i - 50:i], rfa[i - 50:i]) for i in range(50, len(r) + 1)])
    np.testing.assert_allclose(got.to_numpy(), want, rtol=0, atol=TOL)


def test_required_return_equal_to_the_returns():
    r, _ = _rf_case()
    assert fm.downside_risk(r, r, **K) == 0.0 == ep.downside_risk(r, r)
    assert fm.downside_risk(r.to_numpy(), r.to_numpy(), **K) == 0.0
    assert math.isnan(fm.sortino_ratio(r, r, **K))  # 0 / 0: empyrical NaN as well
    assert math.isnan(ep.sortino_ratio(r, r))


def test_information_ratio_with_a_number():
    r, _ = _rf_case()
    want = ep.excess_sharpe(r, 0.0)
    assert fm.information_ratio(r, 0.0, **K) == pytest.approx(want * np.sqrt(PPY), abs=TOL)
    assert fm.excess_sharpe(r, 0.0) == pytest.approx(want, abs=TOL)
    assert fm.information_ratio(r, 0.0, **K) == pytest.approx(fm.sharpe_ratio(r, **K), abs=TOL)
    assert fm.excess_sharpe(r.to_numpy(), 0.0001) == pytest.approx(ep.excess_sharpe(r.to_numpy(), 0.0001), abs=TOL)
    # a constant active return: empyrical +-inf, factorlab NaN (documented)
    const = pd.Series(0.001, index=r.index)
    assert np.isinf(ep.excess_sharpe(const, 0.0)) and math.isnan(fm.information_ratio(const, 0.0, **K))


@pytest.mark.parametrize("cutoff", [0.0, 1.0, 0.05, 0.5])
def test_var_cvar_cutoffs(cutoff):
    r, _ = _rf_case()
    assert fm.value_at_risk(r, cutoff) == pytest.approx(ep.value_at_risk(r, cutoff), abs=TOL)
    assert fm.conditional_value_at_risk(r, cutoff) == pytest.approx(ep.conditional_value_at_risk(r, cutoff), abs=TOL)
    if cutoff == 0.0:
        assert fm.value_at_risk(r, 0.0) == r.min() == fm.conditional_value_at_risk(r, 0.0)
    if cutoff == 1.0:
        assert fm.value_at_risk(r, 1.0) == r.max()
        assert fm.conditional_value_at_risk(r, 1.0) == pytest.approx(r.mean(), abs=1e-15)
    with pytest.raises(ParameterError, match="cutoff"):
        fm.value_at_risk(r, 1.0 + 1e-12)
    with pytest.raises(ParameterError, match="cutoff"):
        fm.conditional_value_at_risk(r, -0.01)


def test_cagr_and_calmar_count_a_leading_nan():
    """(a): 9 rows, the first NaN -> 9 / 252 years, as empyrical."""
    r = pd.Series([np.nan, 0.01, -0.02, 0.03, 0.005, -0.01, 0.02, 0.015, -0.005], index=_index(9))
    assert fm.cagr(r, **K) == pytest.approx(ep.cagr(r), rel=TOL)
    assert fm.cagr(r, **K) == pytest.approx(ep.annual_return(r), rel=TOL)
    assert fm.calmar_ratio(r, **K) == pytest.approx(ep.calmar_ratio(r), rel=TOL)
    assert fm.cagr(r, **K) == pytest.approx((1 + fm.total_return(r)) ** (252 / 9) - 1, rel=1e-12)
    trailing = pd.Series([0.01, -0.02, 0.03, np.nan, np.nan], index=_index(5))
    assert fm.cagr(trailing, **K) == pytest.approx(ep.cagr(trailing), rel=TOL)


def test_rolling_window_with_a_nan_skips_it():
    """(b): a window holding a NaN is the statistic of its other bars, as empyrical."""
    r, _ = _rf_case()
    r = r.copy()
    r.iloc[[30, 31, 90]] = np.nan
    got = fm.rolling_sharpe(r, window=20, **K)
    want = ep.roll_sharpe_ratio(r, 20)
    assert got.iloc[19:].notna().all()
    np.testing.assert_allclose(got.iloc[19:], want, rtol=0, atol=TOL)
    b = pd.Series(np.random.default_rng(2).normal(0, 0.01, len(r)), index=r.index)
    np.testing.assert_allclose(fm.rolling_beta(r, b, window=20, **K).iloc[19:], ep.roll_beta(r, b, 20),
                               rtol=0, atol=TOL)


def test_degenerate_conventions_are_documented():
    """Each deliberate difference from empyrical is in the function's docstring."""
    for func, words in [(fm.information_ratio, "+-inf"), (fm.excess_sharpe, "+-inf"), (fm.sharpe_ratio, "+-inf"),
                        (fm.sortino_ratio, "+inf"), (fm.value_at_risk, "NaN"), (fm.cagr, "0.0 for all-NaN"),
                        (fm.roll_max_drawdown, "empyrical: 0.0"), (fm.capture, "+-inf"),
                        (fm.omega_ratio, "one valid return"), (fm.beta, "does not change the beta")]:
        assert words in " ".join(func.__doc__.split()), func.__name__


def test_bad_per_bar_rates_raise():
    r, rf = _rf_case()
    with pytest.raises(AlignmentError, match="one value per bar"):
        fm.sharpe_ratio(r, rf.to_numpy()[:-1], **K)
    with pytest.raises(AlignmentError):
        fm.sharpe_ratio(r.to_numpy(), rf.iloc[:-1], **K)
    with pytest.raises(ParameterError, match="window"):
        fm.roll_sharpe_ratio(r, 0, **K)


def test_new_statistics_are_exported():
    for name in ("capture", "up_capture", "down_capture", "up_down_capture", "batting_average", "up_alpha_beta",
                 "down_alpha_beta", "excess_sharpe", "roll_alpha_beta", "roll_annual_volatility",
                 "roll_sortino_ratio", "roll_max_drawdown", "roll_up_capture", "roll_down_capture",
                 "roll_up_down_capture", "roll_sharpe_ratio", "roll_downside_risk", "roll_excess_sharpe",
                 "roll_alpha", "roll_beta", "roll_cagr"):
        assert name in fm.__all__ and callable(getattr(fm, name))


def test_long_windows_use_incremental_moments_that_still_agree(sample, monkeypatch):
    """rolling_sharpe / rolling_beta past the exact path's size (pandas' rolling moments) agree too."""
    from factorlab.metrics import _rolling

    rets, bench = sample
    r = rets.iloc[:, 5].copy()
    r.iloc[[40, 41, 300]] = np.nan
    monkeypatch.setattr(_rolling, "_EXACT_CELLS", 0)
    for w in (2, 21, 126):
        agree(_tail(fm.rolling_sharpe(r, window=w, **K), w), ep.roll_sharpe_ratio(r, w), None, f"sharpe w={w}")
        agree(_tail(fm.rolling_beta(r, bench, window=w, **K), w), ep.roll_beta(r, bench, w), None, f"beta w={w}")
