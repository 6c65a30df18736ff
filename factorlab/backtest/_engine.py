"""The event-driven engine: ``backtest(strategy, prices, ...)``.

The bar loop (bt style), for each bar ``t`` of the run::

    broker.match(t)        # orders placed on earlier bars that are due at t fill
    callbacks + on_data    # the strategy sees prices up to t and the account after those fills
    broker.match(t)        # delay=0 only: orders placed at t fill at t's close
    record(t)              # equity, cash, shares, book values at t's close marks

An order placed on bar ``t`` fills at the price of bar ``t + delay``: the
close, or the open when ``prices`` has an 'open' field and the delay is >= 1.
It lives until that bar whatever is ordered meanwhile (see
:mod:`factorlab.backtest._broker`). Holdings are always valued at the close
(last close carried forward).

Defaults are the tear sheet's (the Alphalens convention, as
:func:`factorlab.interleaved_returns` and :func:`factorlab.prepare_factor_data`):
``delay=0`` (the factor at t trades at the price of t), fractional shares,
``capital=1_000_000``, no costs, not recorded in the registry
(``track=False``). A comparison made with defaults therefore differs only by
what the user switched on.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from factorlab._progress import progress as progress_bar
from factorlab.backtest._broker import FILLED, OPEN, Broker
from factorlab.backtest._context import BarData, Context
from factorlab.backtest._errors import InsufficientCashError
from factorlab.backtest._models import as_commission, as_slippage
from factorlab.backtest._result import BacktestResult
from factorlab.backtest._strategy import Strategy, as_strategy
from factorlab.backtest._warnings import ruin_warnings, run_warnings
from factorlab.data._validate import validate_prices
from factorlab.errors import AlignmentError, DataQualityWarning, NoFillsWarning, ParameterError
from factorlab.portfolio._sleeves import _last_price

__all__ = ["backtest"]

_FIELDS = ("open", "high", "low", "close", "volume")


def _fields(prices, volumes) -> dict[str, pd.DataFrame]:
    """Validated price fields on the close's bars and columns."""
    if isinstance(prices, Mapping):
        bad = sorted(set(prices) - set(_FIELDS))
        if bad or "close" not in prices:
            raise ParameterError(f"prices as a dict needs a 'close' frame and only fields {_FIELDS}; got "
                                 f"{sorted(prices)}")
        raw = dict(prices)
    else:
        raw = {"close": prices}
    if volumes is not None:
        raw["volume"] = volumes
    close = validate_prices(raw["close"], "prices")
    out = {"close": close}
    for name, frame in raw.items():
        if name == "close":
            continue
        f = validate_prices(frame, name)
        missing = close.columns.difference(f.columns)
        if len(missing) or not close.index.isin(f.index).all():
            raise AlignmentError(f"{name} must cover the bars and assets of the close prices "
                                 f"({len(missing)} asset(s) missing)")
        out[name] = f.reindex(index=close.index, columns=close.columns)
    return out


def _bar_range(index: pd.DatetimeIndex, start, end, warmup: int) -> tuple[int, int, int]:
    """(first visible bar, first replayed bar, end exclusive)."""
    if not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ParameterError(f"warmup must be an integer number of bars >= 0, got {warmup!r}")
    lo = 0 if start is None else int(index.searchsorted(pd.Timestamp(start), side="left"))
    hi = len(index) if end is None else int(index.searchsorted(pd.Timestamp(end), side="right"))
    if start is None:
        lo = warmup
    visible = max(0, lo - warmup)
    if lo >= hi:
        raise ParameterError(f"no bars to replay between start={start!r} and end={end!r} "
                             f"(warmup {warmup} of {len(index)} bars)")
    return visible, lo, hi


def _check_args(capital, delay, volume_limit, unfilled) -> None:
    if isinstance(capital, bool) or not isinstance(capital, (int, float, np.number)) \
            or not math.isfinite(capital) or capital <= 0:
        raise ParameterError(f"capital must be a finite amount > 0, got {capital!r}")
    if not isinstance(delay, (int, np.integer)) or isinstance(delay, bool) or delay < 0:
        raise ParameterError(f"delay must be an integer number of bars >= 0, got {delay!r}")
    if volume_limit is not None and not (isinstance(volume_limit, (int, float)) and 0 < volume_limit <= 1):
        raise ParameterError(f"volume_limit must be a fraction of bar volume in (0, 1], got {volume_limit!r}")
    if unfilled not in ("keep", "cancel"):
        raise ParameterError(f"unfilled must be 'keep' or 'cancel', got {unfilled!r}")


def _check_min_size(value, name: str = "min_order_size") -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value) \
            or value < 0:
        raise ParameterError(f"{name} must be a number of shares >= 0, got {value!r}")
    return float(value)


def _declared(strat: Strategy, name: str):
    """The largest class-level ``warmup`` / ``min_order_size`` of a strategy and its children (0 if none)."""
    from factorlab.backtest._strategy import Combine

    kids = strat.strategies if isinstance(strat, Combine) else [strat]
    values = [getattr(s, name, None) for s in kids]
    values = [v for v in values if v is not None]
    if name == "warmup":
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0]
        if bad:
            raise ParameterError(f"a strategy's warmup must be an integer number of bars >= 0, got {bad[0]!r}")
        return max((int(v) for v in values), default=0)
    return max((_check_min_size(v, f"{type(strat).__name__}.min_order_size") for v in values), default=0.0)


def _check_ppy(periods_per_year) -> None:
    if periods_per_year is None:
        return
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, (int, float, np.number)) \
            or not math.isfinite(periods_per_year) or periods_per_year <= 0:
        raise ParameterError(f"periods_per_year must be a finite number of bars > 0, got {periods_per_year!r}")


class Engine:
    """State of one run (the strategy reaches it through Context and BarData)."""

    def __init__(self, fields, visible, delay, broker, groups, marks: np.ndarray | None = None) -> None:
        self.fields, self.first_visible, self.delay, self.broker = fields, visible, delay, broker
        close = fields["close"]
        self.index, self.assets = close.index, close.columns
        self.marks = _last_price(close.to_numpy()) if marks is None else marks  # close, last price carried
        self.groups = groups
        self.bar, self.started = visible, False
        self.schedules: list[tuple] = []
        self.lo = visible
        self.logs: list = []  # LogRecord of ctx.log, in order

    def add_schedule(self, fn, ctx, every: int, on: str, offset: int, at=None) -> None:
        n = len(self.index)
        flag = np.zeros(n, dtype=bool)
        flag[self.lo:] = True
        if at is not None:  # the first bar of each day at or after the time of day
            day = self.index.normalize().asi8
            pos = np.flatnonzero(flag & np.asarray(self.index.time >= at, dtype=bool))
            keep = np.ones(len(pos), dtype=bool)
            keep[1:] = day[pos[1:]] != day[pos[:-1]]
            flag = np.zeros(n, dtype=bool)
            flag[pos[keep]] = True
        if on != "bar" and not (on == "day_start" and at is not None):
            key = {"day_start": self.index.normalize().asi8, "week_start": self.index.to_period("W").asi8,
                   "month_start": self.index.to_period("M").asi8}[on]
            pos = np.flatnonzero(flag)  # the first flagged bar of each day / week / month
            keep = np.ones(len(pos), dtype=bool)
            keep[1:] = key[pos[1:]] != key[pos[:-1]]
            if len(pos) and self.lo > 0 and at is None:  # the first replayed bar starts a period only if new
                keep[0] = bool(key[pos[0]] != key[self.lo - 1])
            flag = np.zeros(n, dtype=bool)
            flag[pos[keep]] = True
        count = np.cumsum(flag) - 1
        due = flag & (count >= offset) & ((count - offset) % every == 0)
        self.schedules.append((fn, ctx, due))

    def run(self, strategy: Strategy, root: Context, lo: int, hi: int, margin: bool, progress: bool) -> dict:
        self.lo = lo
        self.bar = lo
        root._call(lambda c, d: strategy.initialize(c), root, BarData(self, lo), owner=strategy)
        self.started = True
        n, A, broker = hi - lo, len(self.assets), self.broker
        rec = {"equity": np.empty(n), "cash": np.empty(n), "shares": np.empty((n, A)),
               "books": np.empty((n, broker.n_books))}
        for i, t in enumerate(progress_bar(range(lo, hi), desc="backtest", unit="bar", enabled=progress)):
            self.bar = t
            broker.settle_ruin(t)  # a book worth <= 0 at the marks is closed before it trades (the sleeves' rule)
            if broker.dead:  # the account was ruined: worth 0, nothing more happens
                self._record(rec, i, t, margin)
                continue
            broker.match(t, submitted_before=t)
            data = BarData(self, t)
            for fn, ctx, due in self.schedules:
                if due[t]:
                    root._call(fn, ctx, data)
            root._call(strategy.on_data, root, data, owner=strategy)
            if self.delay == 0:
                broker.match(t)
            broker.settle_ruin(t)  # and after its fills: costs can take a book to 0
            self._record(rec, i, t, margin)
        return rec

    def _record(self, rec: dict, i: int, t: int, margin: bool) -> None:
        b, mark = self.broker, self.marks[t]
        shares = b.shares.sum(axis=0) if b.n_books > 1 else b.shares[0]
        cash = b.cash.sum()
        rec["shares"][i] = shares
        rec["cash"][i] = cash
        rec["equity"][i] = cash + shares @ mark
        rec["books"][i] = b.cash + b.shares @ mark
        if not margin and cash < -1e-9 * max(abs(rec["equity"][i]), 1.0):
            raise InsufficientCashError(
                f"cash is {cash:,.2f} after the fills of bar {t} ({self.index[t]}) and margin=False; "
                "reduce the order sizes or allow margin=True")


def backtest(strategy, prices, start=None, end=None, capital: float = 1_000_000,
             benchmark: pd.Series | None = None,
             volumes: pd.DataFrame | None = None, groups: pd.Series | Mapping | None = None,
             delay: int = 0, fractional: bool = True, commission=None, slippage=None,
             volume_limit: float | None = None, warmup: int = 0, progress: bool = True, *,
             unfilled: str = "cancel", margin: bool = True, params: Mapping | None = None,
             periods_per_year: float | None = None, min_order_size: float | None = None, track: bool = False,
             registry=None) -> BacktestResult:
    """Replay bars through a strategy with a simulated broker.

    Parameters
    ----------
    strategy : Strategy instance or class, or a list of them (-> :class:`Combine`)
    prices : pd.DataFrame, shape (bars, assets), or dict of them
        Close prices, or ``{'close': ..., 'open': ..., 'high': ..., 'low': ..., 'volume': ...}``.
        With 'open' and ``delay >= 1`` orders fill at the open.
    start, end : timestamp-like, optional
        First and last replayed bar (inclusive).
    capital : float, default 1,000,000
        Starting capital (currency); the default of :func:`factorlab.interleaved_returns`.
    benchmark : pd.Series, optional
        Benchmark price level or per-bar returns (the one rule of every report,
        :func:`factorlab.report.benchmark_kind`), turned into per-bar returns for the stats.
    volumes : pd.DataFrame, shape (bars, assets), optional
        Shares traded per bar; needed by ``volume_limit`` and volume slippage.
    groups : pd.Series or dict, optional
        asset -> group (sector), available to strategies as ``ctx.groups``.
    delay : int, default 0
        Orders placed at bar t fill at bar ``t + delay`` (0 = the same close,
        the tear sheet's convention); an order lives until that bar.
    fractional : bool, default True
        Fractional shares (as the tear sheet's sleeves); False truncates share
        quantities toward zero.
    commission : None, float (bps of notional), CommissionModel or list
    slippage : None, float (fixed bps), or SlippageModel
    volume_limit : float, optional
        Fill at most this fraction of each bar's volume per asset.
    warmup : int, default 0
        Bars of history before ``start`` visible to ``data.history`` (with
        ``start=None`` the first ``warmup`` bars are not traded). A strategy's
        class-level ``warmup`` (the bars it needs) is honoured too: the larger
        of the two applies.
    progress : bool, default True
        A progress bar (a widget in notebooks, text in terminals; needs tqdm).
        Also off with ``factorlab._progress.set_progress(False)`` or the
        environment variable ``FACTORLAB_PROGRESS=0``.
    unfilled : {'cancel', 'keep'}, default 'cancel'
        What happens to the unfilled rest of an order (volume limit, no
        price): 'cancel' makes orders good for their fill bar only (as the
        calculator, which keeps an untradeable position until the sleeve's
        next rebalance); 'keep' leaves it open for the next bars until it
        fills or is cancelled.
    margin : bool, default True
        Allow negative cash; with False a bar ending with negative cash raises.
    params : dict, optional
        Parameter overrides for the strategy.
    periods_per_year : float, optional
        Bars per year for the annualised statistics and the report; by default
        inferred from the index (:func:`factorlab.metrics.bar_frequency`).
    min_order_size : float, optional
        Smallest trade in shares: a fill of fewer shares is skipped and its
        order cancelled (counted as 'below min_order_size'). A strategy's
        class-level ``min_order_size`` is honoured too (the larger applies).
    track : bool, default False
        Record the run in the run registry (see :func:`factorlab.runs`);
        the id is in ``result.settings['run_id']``. Off by default in every
        Python entry point (``backtest``, ``sweep``, ``walk_forward``): a
        call writes nothing to disk unless asked. The command line records
        by default (``--no-track`` to skip), as a shell run leaves nothing else.
    registry : RunRegistry or path, optional
        Where to record it (default ``./.factorlab`` or ``$FACTORLAB_REGISTRY``).

    Returns
    -------
    BacktestResult

    Raises
    ------
    StrategyError
        The strategy raised; carries the bar and the strategy's traceback.
    OrderError, UnknownAssetError, InsufficientCashError, LookAheadError, ParameterError

    Warns
    -----
    NoFillsWarning
        The strategy placed orders and none filled; the message counts why
        (execution bar past the end, no tradeable price, cancelled, ...).
    """
    if track:
        from factorlab.registry import tracked_backtest  # the registry builds on the engine

        return tracked_backtest(strategy, prices, params=params, registry=registry, benchmark=benchmark,
                                start=start, end=end, capital=capital, volumes=volumes, groups=groups,
                                delay=delay, fractional=fractional, commission=commission,
                                slippage=slippage, volume_limit=volume_limit, warmup=warmup, progress=progress,
                                unfilled=unfilled, margin=margin, periods_per_year=periods_per_year,
                                min_order_size=min_order_size)
    _check_args(capital, delay, volume_limit, unfilled)
    _check_ppy(periods_per_year)
    strat = as_strategy(strategy, params)
    template = strat.clone()
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ParameterError(f"warmup must be an integer number of bars >= 0, got {warmup!r}")
    warmup = max(int(warmup), _declared(strat, "warmup"))
    min_order_size = max(_check_min_size(min_order_size), _declared(strat, "min_order_size"))
    fields = _fields(prices, volumes)
    comm, slip = as_commission(commission), as_slippage(slippage)
    if (volume_limit is not None or slip.needs_volume) and "volume" not in fields:
        raise ParameterError("volume_limit and volume-based slippage need volumes= (shares per bar)")
    visible, lo, hi = _bar_range(fields["close"].index, start, end, warmup)
    use_open = delay >= 1 and "open" in fields
    exec_px = fields["open" if use_open else "close"].to_numpy()
    vol = fields["volume"].to_numpy() if "volume" in fields else None
    close_marks = _last_price(fields["close"].to_numpy())
    broker = Broker(exec_px, _last_price(exec_px) if use_open else close_marks, vol, float(capital),
                    bool(fractional), comm, slip, volume_limit, unfilled == "keep", min_order_size)
    grp = None if groups is None else pd.Series(groups)
    engine = Engine(fields, visible, int(delay), broker, grp, close_marks)
    engine.lo = lo
    root = Context(engine, float(capital), 0, strat)
    rec = engine.run(strat, root, lo, hi, margin, progress)
    _warn_no_fills(broker, engine.index, hi, int(delay))
    settings = {"strategy": repr(strat), "capital": float(capital), "delay": int(delay),
                "fill_price": "open" if use_open else "close", "fractional": bool(fractional),
                "commission": repr(comm), "slippage": repr(slip), "volume_limit": volume_limit,
                "unfilled": unfilled, "margin": margin, "warmup": warmup, "min_order_size": min_order_size}
    if periods_per_year is not None:
        settings["periods_per_year"] = float(periods_per_year)
    run_args = {"prices": prices, "start": start, "end": end, "capital": capital, "benchmark": benchmark,
                "volumes": volumes, "groups": groups, "delay": delay,
                "fractional": fractional, "commission": commission, "slippage": slippage,
                "volume_limit": volume_limit, "warmup": warmup, "unfilled": unfilled, "margin": margin,
                "periods_per_year": periods_per_year, "min_order_size": min_order_size}
    found = run_warnings(fields["close"].to_numpy(), rec["shares"], exec_px, broker.orders(), broker.cancelled,
                         engine.index, engine.assets, lo, hi)
    if broker.ruins:
        ruined = ruin_warnings(broker.ruins, engine.index, engine.assets)
        found = ruined + found
        lead = next((w for w in ruined if w.asset is None), ruined[0])  # the account's ruin first
        warnings.warn(f"{len(ruined)} ruin(s) in the run; {lead.message} (bt.warnings lists each)",
                      DataQualityWarning, stacklevel=2)
    return BacktestResult.from_run(engine, rec, lo, hi, broker, settings, template, run_args, benchmark,
                                   warnings=found, logs=tuple(engine.logs))


def _warn_no_fills(broker: Broker, index: pd.DatetimeIndex, hi: int, delay: int) -> None:
    """Warn (:class:`NoFillsWarning`) when orders were placed and none filled, counting the causes."""
    if len(broker.fills) or not broker.next_id:
        return
    rec = broker.orders()
    still_open = rec["status"] == OPEN
    late = int(np.count_nonzero(still_open & (rec["fill_bar"] >= hi)))
    why = []
    if late:
        why.append(f"{late} still waiting for an execution bar after the last replayed bar "
                   f"{index[hi - 1]} (delay={delay} bars)")
    if int(still_open.sum()) - late:
        why.append(f"{int(still_open.sum()) - late} still open after their execution bar")
    why += [f"{n} cancelled: {cause}" for cause, n in broker.cancelled.items() if n]
    noop = int(np.count_nonzero(rec["status"] == FILLED))
    if noop:
        why.append(f"{noop} needed no trade (the book already held the target, or whole-share sizes "
                   "rounded to 0: try fractional=True or more capital)")
    warnings.warn(f"the strategy placed {len(rec)} orders and none filled: " + "; ".join(why),
                  NoFillsWarning, stacklevel=3)
