"""fl.screen: many candidate factors, one table, before any gets a full tear sheet.

Forward returns are computed once (:func:`forward_returns`) and shared by
every factor; each factor then gets the single-factor statistics
(:mod:`factorlab.screening._evaluate`), in this process or on a Dask cluster
(``executor='dask'``), with one progress bar over the factors. Point in time
and horizons follow :func:`prepare_factor_data`: nothing at t uses data after
t, and each horizon uses every date where it exists.

Multiplicity: a screen runs one HAC test of the mean IC per (factor,
horizon). The adjusted p-value controls for all of them together, across
every row of the table: ``'holm'`` (Holm-Bonferroni, the family-wise error
rate, valid under any dependence between the tests; the default) or
``'bh'`` (Benjamini-Hochberg, the false discovery rate, valid for
independent or positively dependent tests).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from factorlab._progress import progress_bar
from factorlab.errors import DroppedDataWarning, ParameterError
from factorlab.factor import ForwardReturns, forward_returns
from factorlab.factor._forward import check_periods
from factorlab.factor._options import FactorOptions, resolve_options
from factorlab.metrics._periods import bar_frequency
from factorlab.screening._evaluate import (
    FactorFailure,
    FactorScreen,
    ScreenSettings,
    evaluate_factor,
    evaluate_or_report,
    sorted_returns,
)
from factorlab.screening._result import ScreenCorrelation, ScreenResult

__all__ = ["screen", "adjust_pvalues", "ADJUSTMENTS", "EXECUTORS", "ERRORS"]

ADJUSTMENTS = ("holm", "bh")
EXECUTORS = ("local", "dask")
ERRORS = ("raise", "report")


def adjust_pvalues(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values.

    Parameters
    ----------
    p : array-like of float, shape (m,)
        Raw p-values; NaN ones are left out of the family and stay NaN.
    method : {'holm', 'bh'}
        'holm': Holm-Bonferroni step-down, ``max_{j<=i} min(1, (m - j + 1) p_(j))``
        (family-wise error rate, any dependence). 'bh': Benjamini-Hochberg
        step-up, ``min_{j>=i} min(1, m p_(j) / j)`` (false discovery rate).

    Returns
    -------
    ndarray, shape (m,)
        Adjusted p-values in the input order.
    """
    if method not in ADJUSTMENTS:
        raise ParameterError(f"adjust must be one of {ADJUSTMENTS}, got {method!r}")
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ps = p[order]
    i = np.arange(1, m + 1)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - i + 1) * ps))
    else:
        adj = np.minimum.accumulate(np.minimum(1.0, m * ps / i)[::-1])[::-1]
    out[order] = adj
    return out


def _check_factors(factors) -> dict:
    if not isinstance(factors, Mapping) or not len(factors):
        raise ParameterError("factors must be a non-empty mapping name -> factor (a wide DataFrame, a (date, asset) "
                             f"Series, or a callable taking the prices), got {type(factors).__name__}")
    out = {}
    for name, f in factors.items():
        if not isinstance(name, str) or not name:
            raise ParameterError(f"factor names must be non-empty strings, got {name!r}")
        if not (isinstance(f, (pd.DataFrame, pd.Series)) or callable(f)):
            raise ParameterError(f"factor {name!r} must be a wide DataFrame, a (date, asset) Series or a callable "
                                 f"taking the prices, got {type(f).__name__}")
        out[name] = f
    return out


def _check_args(cost_bps, delay, executor, scheduler, adjust, errors) -> None:
    if not (isinstance(cost_bps, (int, float)) and not isinstance(cost_bps, bool) and np.isfinite(cost_bps)
            and cost_bps >= 0):
        raise ParameterError(f"cost_bps must be a number >= 0, got {cost_bps!r}")
    if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 0:
        raise ParameterError(f"delay must be an integer >= 0 (bars), got {delay!r}")
    if executor not in EXECUTORS:
        raise ParameterError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    if executor == "dask" and scheduler is None:
        raise ParameterError("executor='dask' needs scheduler= (an address like 'tcp://10.0.0.5:8786' or a "
                             "distributed.Client)")
    if adjust not in ADJUSTMENTS:
        raise ParameterError(f"adjust must be one of {ADJUSTMENTS}, got {adjust!r}")
    if errors not in ERRORS:
        raise ParameterError(f"errors must be one of {ERRORS}, got {errors!r}")


def _run_local(factors: dict, fwd: ForwardReturns, settings: ScreenSettings, progress, evaluate
               ) -> list[FactorScreen | FactorFailure]:
    out = []
    orders = sorted_returns(fwd, settings)  # the returns sorted once for every factor
    with progress_bar(len(factors), desc="screen", unit="factor", enabled=progress) as bar:
        for name, f in factors.items():
            out.append(evaluate(name, f, fwd, settings, orders))
            bar.update(1)
    return out


def _run_dask(factors: dict, fwd: ForwardReturns, settings: ScreenSettings, scheduler, progress, evaluate
              ) -> list[FactorScreen | FactorFailure]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise ParameterError("executor='dask' needs dask.distributed: pip install 'factorlab[dask]'") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        # prices, forward returns and their sorted order: sent once per worker, each under a new key of its
        # own (hash=False; the orders wrapped in a list, since a scattered dict is stored under its own keys,
        # the period labels, which other data on the cluster may use)
        shared, orders = client.scatter([fwd, sorted_returns(fwd, settings)], broadcast=True, hash=False)
        futures = [client.submit(evaluate, name, f, shared, settings, orders, pure=False)
                   for name, f in factors.items()]
        out = []
        with progress_bar(len(futures), desc="screen", unit="factor", enabled=progress) as bar:
            for fut in futures:  # in the factors' order; the cluster runs them all meanwhile
                out.append(fut.result())
                bar.update(1)
        return out
    finally:
        if own:
            client.close()


def _table(results: list[FactorScreen], adjust: str) -> pd.DataFrame:
    records = [(r.name, label, row) for r in results for label, row in r.rows.items()]
    index = pd.MultiIndex.from_tuples([(n, lab) for n, lab, _ in records], names=["factor", "period"])
    table = pd.DataFrame([row for _, _, row in records], index=index)
    table.insert(table.columns.get_loc("HAC lags") + 1, "IC HAC p-value adjusted",
                 adjust_pvalues(table["IC HAC p-value"].to_numpy(), adjust))
    table["HAC lags"] = table["HAC lags"].astype(np.int64)
    return table


def _correlation(results: list[FactorScreen], labels: tuple[str, ...]) -> ScreenCorrelation:
    names = [r.name for r in results]
    returns = {label: pd.concat([r.returns[label] for r in results], axis=1, keys=names, sort=True).corr()
               for label in labels}
    if results[0].ranks is None:
        return ScreenCorrelation(factors=None, returns=returns)
    # per-date rank vectors of unit norm: the dot product is that date's rank correlation;
    # summed over dates and divided by the dates both factors rank
    u = np.stack([r.ranks.reshape(-1) for r in results])
    dots = u @ u.T
    present = np.stack([(r.ranks != 0).any(axis=1) for r in results]).astype(np.float32)
    common = present @ present.T
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(common > 0, dots / common, np.nan).astype("float64")
    np.fill_diagonal(corr, 1.0)
    factors = pd.DataFrame(corr, index=pd.Index(names, name="factor"), columns=pd.Index(names, name="factor"))
    return ScreenCorrelation(factors=factors, returns=returns)


def screen(factors: Mapping[str, pd.DataFrame | pd.Series | Callable], prices: pd.DataFrame | ForwardReturns, *,
           options: FactorOptions | None = None, groupby=None, periods_per_year: float | None = None,
           lags: int | None = None, adjust: str = "holm", correlation: bool = True, executor: str = "local",
           scheduler=None, errors: str = "raise", progress: bool | None = None, **settings) -> ScreenResult:
    """Screen many factors at once: one row per (factor, horizon) of honest single-factor statistics.

    Parameters
    ----------
    factors : mapping name -> factor
        Each factor a wide DataFrame (dates x assets), a (date, asset)
        Series, or a callable taking the prices and returning one (called
        where the factor is screened: on the Dask workers with
        ``executor='dask'``, so large factors need not be shipped).
    prices : pd.DataFrame, shape (bars, assets), or ForwardReturns
        Adjusted prices; forward returns are computed from them once for
        every factor (or pass :func:`forward_returns` computed beforehand).
    options : FactorOptions, optional
        How every factor is prepared, weighted and costed (the tear sheet's
        options object): ``periods``, ``quantiles``/``bins``,
        ``quantile_method``, ``max_loss``, ``stale`` ('drop' treats prices
        unchanged for ``stale_bars`` bars as no price), ``stale_bars``,
        ``delay``, ``long_short``, ``group_neutral``, ``equal_weight``,
        ``cost_bps`` (for 'Sharpe net').
    **settings
        Any of those settings as keywords (``periods=(1, 5)``, ``cost_bps=10``,
        ``stale='drop'``, ``equal_weight=True`` ...); they override ``options``.
    groupby : dict or Series, optional
        As :func:`prepare_factor_data`, for every factor.
    periods_per_year : float, optional
        Bars per year for the Sharpe ratios; by default the bar-frequency rule.
    lags : int, optional
        Newey-West lags instead of the rule (:func:`hac_lags`).
    adjust : {'holm', 'bh'}, default 'holm'
        Multiplicity adjustment of the IC's HAC p-values across every row of
        the screen (see the module notes).
    correlation : bool, default True
        Compute the rank correlation between factors. It keeps one float32
        bars x assets array per factor until the end (factors x bars x
        assets x 4 bytes: 270 MB for 100 factors on 471 x 1,440, 6 GB on
        3,000 x 5,000): pass False for very large screens (the correlation of
        factor returns is always computed). Independently of it, each
        period's forward returns are held once in sorted order for every
        factor's IC (7 bytes per bar and asset: 14 MB for three periods on
        471 x 1,440, 315 MB on 3,000 x 5,000).
    executor : {'local', 'dask'}, default 'local'
        Where factors are evaluated: here, or on a Dask cluster.
    scheduler : str or distributed.Client, optional
        The Dask scheduler address or client (``executor='dask'``).
    errors : {'raise', 'report'}, default 'raise'
        A factor whose data cannot be screened (what :func:`prepare_factor_data`
        raises: too many entries lost, no finite value, misaligned dates...):
        'raise' stops the screen with that error, naming the factor; 'report'
        screens the other factors, leaves it out of the table (and of the
        multiplicity adjustment, which counts the rows tested) and lists it in
        ``ScreenResult.failed`` with the error, with one
        :class:`DroppedDataWarning` naming every factor left out. Other
        exceptions (an error inside a factor's callable) are always raised.
    progress : bool, optional
        A progress bar over the factors (off with False or :func:`set_progress`).

    Returns
    -------
    ScreenResult
        ``table`` indexed by (factor, period) with columns 'coverage'
        (members / names with a positive price over the factor's dates),
        'IC mean', 'IC HAC t-stat', 'IC HAC p-value', 'HAC lags',
        'IC HAC p-value adjusted' (``adjust`` across the screen), 'spread per
        bar' (top minus bottom quantile mean returns as per-bar rates: long 1,
        short 1, 2x gross; 0.0001 = 1 bps), 'Sharpe gross', 'Sharpe net'
        (annualised, N interleaved long-short sleeves), 'turnover per bar'
        (traded notional / equity of the sleeves), 'top quantile turnover'
        (share of the top quantile's names new after N bars), 'rank
        autocorrelation' (mean N-bar lag rank autocorrelation of the factor);
        ``correlation``; ``failed`` (the factors left out with ``errors='report'``);
        ``tear_sheet(name)``.

    Raises
    ------
    ParameterError
        Bad arguments (an empty mapping, a factor of the wrong type, unknown executor, adjustment or
        ``errors``).
    FactorlabError
        What :func:`prepare_factor_data` raises for a factor, naming the factor (with
        ``errors='report'``: only when no factor can be screened, naming each one's problem).
    """
    factors = _check_factors(factors)
    opts = resolve_options(options, settings)
    cost_bps, delay = opts.cost_bps, opts.delay
    _check_args(cost_bps, delay, executor, scheduler, adjust, errors)
    want = check_periods(opts.periods)
    if isinstance(prices, ForwardReturns):
        fwd = prices
        if not set(want) <= set(fwd.periods) or fwd.delay != delay:
            raise ParameterError(f"the ForwardReturns given were computed for periods {fwd.periods} with delay "
                                 f"{fwd.delay}; the screen asks for periods {want} with delay {delay}")
    else:
        fwd = forward_returns(prices, want, delay=delay, stale=opts.stale, stale_bars=opts.stale_bars)
    freq = bar_frequency(fwd.prices.index, periods_per_year=periods_per_year)
    settings = ScreenSettings(periods=want, quantiles=opts.quantiles, bins=opts.bins, groupby=groupby,
                              long_short=opts.long_short, group_neutral=opts.group_neutral,
                              cost_bps=float(cost_bps), delay=int(delay), max_loss=opts.max_loss,
                              periods_per_year=float(freq.periods_per_year), lags=lags,
                              quantile_method=opts.quantile_method, correlation=bool(correlation),
                              periods_per_year_given=periods_per_year, equal_weight=opts.equal_weight,
                              stale=opts.stale, stale_bars=opts.stale_bars)
    evaluate = evaluate_factor if errors == "raise" else evaluate_or_report
    if executor == "dask":
        outcomes = _run_dask(factors, fwd, settings, scheduler, progress, evaluate)
    else:
        outcomes = _run_local(factors, fwd, settings, progress, evaluate)
    results = [r for r in outcomes if isinstance(r, FactorScreen)]
    failed = _failures([r for r in outcomes if isinstance(r, FactorFailure)], len(outcomes))
    labels = tuple(results[0].rows)
    return ScreenResult(table=_table(results, adjust), correlation=_correlation(results, labels),
                        factors=factors, prices=fwd.prices, settings=settings, adjust=adjust,
                        annualisation=freq.note, dropped=pd.Series({r.name: r.dropped for r in results},
                                                                   name="dropped entries", dtype=np.int64),
                        failed=failed)


def _failures(failures: list[FactorFailure], n_factors: int) -> pd.DataFrame:
    """The factors left out (``errors='report'``) as a table, warned about once; raises when none is left."""
    table = pd.DataFrame({"error": [type(f.error).__name__ for f in failures],
                          "message": [str(f.error) for f in failures]},
                         index=pd.Index([f.name for f in failures], name="factor", dtype=object))
    if not failures:
        return table
    listed = "; ".join(f"{type(f.error).__name__}: {f.error}" for f in failures)
    if len(failures) == n_factors:
        raise type(failures[0].error)(f"no factor could be screened ({n_factors} of {n_factors} failed): {listed}")
    warnings.warn(f"{len(failures)} of {n_factors} factors could not be screened and are left out of the table "
                  f"(see ScreenResult.failed): {listed}", DroppedDataWarning, stacklevel=3)
    return table
