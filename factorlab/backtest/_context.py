"""What a strategy sees: the run context (portfolio, orders, schedules) and the bar's data view.

No look-ahead: :class:`BarData` only slices prices up to the current bar, and
the context only exposes the account as of the current bar.
"""

from __future__ import annotations

import datetime as _dt
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from factorlab.backtest._broker import SHARES, TARGET_SHARES, TARGET_VALUE, TARGET_WEIGHT
from factorlab.backtest._errors import BacktestError, OrderError, StrategyError, UnknownAssetError
from factorlab.errors import FactorlabError, ParameterError

__all__ = ["Context", "BarData", "Portfolio", "LogRecord", "LOG_LEVELS"]

_ON = ("bar", "day_start", "week_start", "month_start")


def _field(engine, field: str) -> pd.DataFrame:
    frames = engine.fields
    if field not in frames:
        raise ParameterError(f"no field {field!r}; available: {sorted(frames)}")
    return frames[field]


def _bar_dates(obj) -> np.ndarray:
    """The bar of each row of a signal (a DatetimeIndex or the first level of a (date, asset) index)."""
    if not isinstance(obj, (pd.DataFrame, pd.Series)):
        raise ParameterError(f"a precomputed signal must be a pandas DataFrame or Series indexed by bar, "
                             f"got {type(obj).__name__}")
    idx = obj.index
    if isinstance(idx, pd.MultiIndex):
        idx = idx.get_level_values(0)
    if not isinstance(idx, pd.DatetimeIndex):
        raise ParameterError("a precomputed signal must be indexed by the price bars (a DatetimeIndex or "
                             f"a (date, asset) MultiIndex), got {type(obj.index).__name__}")
    return idx


class BarData:
    """Market data up to (and including) the current bar.

    Attributes
    ----------
    bar : int
        Position of the bar in the price index.
    time : pd.Timestamp
    """

    def __init__(self, engine, bar: int) -> None:
        self._engine, self.bar = engine, bar
        self.time = engine.index[bar]

    def _frame(self, field: str) -> pd.DataFrame:
        return _field(self._engine, field)

    def history(self, assets=None, bar_count: int | None = None, field: str = "close") -> pd.DataFrame:
        """Prices of the last ``bar_count`` bars up to now (all available history if None).

        Returns a DataFrame (bars, assets), or a Series for a single asset label.
        """
        lo = self._engine.first_visible
        if bar_count is not None:
            lo = max(lo, self.bar + 1 - int(bar_count))
        frame = self._frame(field).iloc[lo:self.bar + 1]
        return frame if assets is None else frame[assets]

    def current(self, assets=None, field: str = "close"):
        """The current bar's value(s): a Series over assets, or a float for one asset label."""
        row = self._frame(field).iloc[self.bar]
        return row if assets is None else row[assets]

    def can_trade(self, assets=None):
        """Whether the assets have a tradeable price (> 0, not NaN) on this bar."""
        row = self._engine.fields["close"].iloc[self.bar]
        ok = row.gt(0)
        return ok if assets is None else ok[assets]


class Portfolio:
    """Read-only view of the account at the current bar (values at the close marks)."""

    def __init__(self, engine) -> None:
        self._e = engine

    @property
    def cash(self) -> float:
        """Cash of all books (currency)."""
        return float(self._e.broker.cash.sum())

    @property
    def positions(self) -> pd.Series:
        """Shares held per asset (all books), only non-zero positions."""
        s = self._e.broker.shares.sum(axis=0)
        nz = np.flatnonzero(s)
        return pd.Series(s[nz], index=self._e.assets[nz], name="shares")

    @property
    def position_values(self) -> pd.Series:
        """Value of each non-zero position at the current close marks (currency)."""
        s = self._e.broker.shares.sum(axis=0)
        nz = np.flatnonzero(s)
        return pd.Series(s[nz] * self._e.marks[self._e.bar, nz], index=self._e.assets[nz], name="value")

    @property
    def value(self) -> float:
        """Cash plus positions at the current close marks (currency)."""
        e = self._e
        return float(e.broker.cash.sum() + e.broker.shares.sum(axis=0) @ e.marks[e.bar])

    @property
    def exposures(self) -> dict[str, float]:
        """Long, short (negative), gross and net exposure as fractions of the value."""
        pv = self.position_values.to_numpy()
        v = self.value
        long, short = pv[pv > 0].sum() / v, pv[pv < 0].sum() / v
        return {"long": float(long), "short": float(short), "gross": float(long - short),
                "net": float(long + short)}

    def book_shares(self, book: int) -> pd.Series:
        """Shares of one position book, shape (assets,)."""
        return pd.Series(self._e.broker.shares[book].copy(), index=self._e.assets, name=f"book {book}")

    def book_value(self, book: int) -> float:
        """Cash plus positions of one book at the current close marks."""
        e = self._e
        return float(e.broker.cash[book] + e.broker.shares[book] @ e.marks[e.bar])


LOG_LEVELS = ("debug", "info", "warning", "error")


class LogRecord(NamedTuple):
    """One ``ctx.log`` message: the bar's time and position, the strategy, the level, the text."""

    time: pd.Timestamp
    bar: int
    strategy: str
    level: str
    message: str


def _time_of_day(at) -> _dt.time:
    """A ``datetime.time`` from 'HH:MM', 'HH:MM:SS' or a time; bad input raises ParameterError."""
    if isinstance(at, _dt.time):
        return at
    if isinstance(at, str):
        for fmt in ("%H:%M", "%H:%M:%S"):
            try:
                return _dt.datetime.strptime(at.strip(), fmt).time()
            except ValueError:
                pass
    raise ParameterError(f"at must be a time of day like '10:00' or '15:45:30' (or a datetime.time), got {at!r}")


class Context:
    """The run as a strategy sees it: portfolio, orders, schedules, books.

    Attributes
    ----------
    portfolio : Portfolio
    capital : float
        Starting capital of this strategy (its share under :class:`Combine`).
    book : int
        Default position book of this strategy's orders (0 for a single strategy).
    assets : pd.Index
        Tradeable assets (price columns).
    groups : pd.Series or None
        asset -> group, from ``backtest(groups=)``.
    """

    def __init__(self, engine, capital: float, book: int = 0, owner=None) -> None:
        self._e, self.capital, self.book, self._owner = engine, float(capital), int(book), owner
        self.portfolio = Portfolio(engine)
        self.assets, self.groups = engine.assets, engine.groups

    def child(self, capital: float, book: int, owner) -> Context:
        """A context for a sub-strategy trading ``book`` with ``capital`` (used by Combine)."""
        return Context(self._e, capital, book, owner)

    @property
    def bar(self) -> int:
        return self._e.bar

    @property
    def time(self) -> pd.Timestamp:
        return self._e.index[self._e.bar]

    @property
    def delay(self) -> int:
        """Bars between placing an order and its fill (``backtest(delay=)``)."""
        return self._e.delay

    @property
    def index(self) -> pd.DatetimeIndex:
        """Timestamps of every bar of the run's prices (the calendar: no prices), shape (bars,)."""
        return self._e.index

    # ----------------------------------------------------------- price data
    def history(self, assets=None, bar_count: int | None = None, field: str = "close") -> pd.DataFrame:
        """The prices this strategy may see now, shape (bars, assets).

        In callbacks: every visible bar up to and including the current one
        (as ``data.history``). In ``initialize``: the bars before the first
        replayed bar (the ``warmup``), nothing of the bars to be replayed; with
        no warmup an empty frame with the asset columns.

        Parameters
        ----------
        assets : label or list of labels, optional
            A single label gives a Series.
        bar_count : int, optional
            Only the last ``bar_count`` bars.
        field : str, default 'close'
            A price field of the run ('open', 'high', 'low', 'close', 'volume').
        """
        e = self._e
        frame = _field(e, field)
        hi = e.bar + 1 if e.started else e.lo
        lo = e.first_visible if bar_count is None else max(e.first_visible, hi - int(bar_count))
        out = frame.iloc[lo:hi]
        return out if assets is None else out[assets]

    def precompute(self, fn: Callable[[pd.DataFrame], pd.DataFrame | pd.Series], *, field: str = "close",
                   checks: int = 3) -> pd.DataFrame | pd.Series:
        """A signal computed once on every bar's prices, held to the point-in-time rule.

        ``fn(prices)`` receives the whole price panel of ``field`` (bars x
        assets) and returns a frame or Series indexed by bar (a wide DataFrame,
        or a (date, asset) Series); its row at bar t may use prices up to t
        only. That rule is checked, not trusted: ``fn`` is run again on the
        prices truncated at ``checks`` bars spread over the run, and every row
        at or before a cut must be the same as in the full run (to 1e-9
        relative).

        Returns
        -------
        pd.DataFrame or pd.Series
            ``fn(prices)`` on all bars.

        Raises
        ------
        LookAheadError
            A row at or before a cut changed when later prices were removed.
        ParameterError
            ``fn`` did not return a pandas object indexed by the bars.
        """
        from factorlab.backtest._errors import LookAheadError

        e = self._e
        prices = _field(e, field)
        full = fn(prices)
        dates = _bar_dates(full)
        n = len(prices.index)
        cuts = sorted({int(n * (k + 1) / (checks + 1)) - 1 for k in range(max(int(checks), 0))} - {-1, n - 1})
        for cut in cuts:
            when = prices.index[cut]
            part = fn(prices.iloc[:cut + 1])
            want = full[dates <= when]
            got = part.reindex(want.index) if isinstance(part, pd.Series) else \
                part.reindex(index=want.index, columns=want.columns)
            a, b = want.to_numpy(dtype="float64"), got.to_numpy(dtype="float64")
            with np.errstate(invalid="ignore"):
                same = (a == b) | (np.isnan(a) & np.isnan(b)) | \
                    (np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b)))
            if not same.all():
                bad = np.argwhere(~same if same.ndim == 2 else (~same)[:, None])[0]
                label = want.index[bad[0]]
                raise LookAheadError(
                    f"{getattr(fn, '__name__', 'fn')} uses prices after the bar it computes: its row "
                    f"{label} changes from {a.reshape(len(want), -1)[bad[0], bad[1]]!r} to "
                    f"{b.reshape(len(want), -1)[bad[0], bad[1]]!r} when the prices end at {when}; "
                    "the value at bar t may use prices up to t only")
        return full

    # ---------------------------------------------------------------- logging
    def log(self, message: object, level: str = "info") -> None:
        """Write a message into the run's log (kept in ``result.logs``, the registry and the report).

        Parameters
        ----------
        message : object
            Shown as ``str(message)``.
        level : {'debug', 'info', 'warning', 'error'}
        """
        if level not in LOG_LEVELS:
            raise ParameterError(f"level must be one of {LOG_LEVELS}, got {level!r}")
        e = self._e
        bar = e.bar if e.started else e.lo
        who = getattr(self._owner, "name", "strategy")
        e.logs.append(LogRecord(e.index[bar], int(bar), who, level, str(message)))

    # ------------------------------------------------------------ scheduling
    def schedule(self, fn: Callable, every: int = 1, on: str = "bar", offset: int = 0,
                 at: str | _dt.time | None = None) -> None:
        """Call ``fn(ctx, data)`` on a schedule, before ``on_data``.

        Parameters
        ----------
        fn : callable(ctx, data)
        every : int, default 1
            Every ``every``-th event (bars, day, week or month starts).
        on : {'bar', 'day_start', 'week_start', 'month_start'}
            'day_start'/'week_start'/'month_start': the first bar of each
            day/week/month.
        offset : int, default 0
            Skip this many events before the first call (0 <= offset < every).
        at : str or datetime.time, optional
            Time of day for intraday bars, e.g. ``'10:00'`` or ``'15:45'``: the
            event is the first bar of each day at or after that time (a day
            without such a bar has no event); with 'week_start'/'month_start'
            the first such bar of each week/month. ``on='bar'`` with ``at``
            means once a day.

        Examples
        --------
        >>> ctx.schedule(self.rebalance, on="day_start", at="10:00")   # doctest: +SKIP
        """
        if on not in _ON:
            raise ParameterError(f"on must be one of {_ON}, got {on!r}")
        if at is not None:
            at = _time_of_day(at)
        if not isinstance(every, (int, np.integer)) or every < 1 or not 0 <= offset < every:
            raise ParameterError(f"need integers every >= 1 and 0 <= offset < every, "
                                 f"got {every!r}, {offset!r}")
        self._e.add_schedule(fn, self, every, on, offset, at)

    def _call(self, fn: Callable, ctx: Context, data: BarData, owner=None) -> None:
        """Run a strategy callback; wrap its exception with the bar and the traceback.

        The backtester's own errors (bad orders: :class:`OrderError`, ...) pass
        through unchanged (their messages name the bar); other factorlab errors
        (bad parameters, misaligned data) keep their type and get a note with
        the strategy and the bar.
        """
        try:
            fn(ctx, data)
        except BacktestError:
            raise
        except FactorlabError as exc:
            who = getattr(owner or ctx._owner, "name", "strategy")
            exc.add_note(f"raised in {who} at bar {data.bar} ({data.time})")
            raise
        except Exception as exc:
            tb = "".join(traceback.format_exception(*sys.exc_info()))
            who = getattr(owner or ctx._owner, "name", "strategy")
            raise StrategyError(
                f"{who} raised {type(exc).__name__} at bar {data.bar} ({data.time}): {exc}\n"
                f"strategy traceback:\n{tb}", data.bar, data.time, tb) from exc

    # ----------------------------------------------------------------- books
    def open_books(self, n: int, capital: float | None = None) -> list[int]:
        """Create ``n`` position books funded with ``capital / n`` each (default: this strategy's capital).

        Only during ``initialize``. The cash moves out of this context's book.
        """
        if self._e.started:
            raise ParameterError("open_books can only be called in initialize")
        total = self.capital if capital is None else float(capital)
        return self._e.broker.open_books(int(n), total / n, self.book)

    # ---------------------------------------------------------------- orders
    def _index(self, assets) -> np.ndarray:
        idx = self._e.assets.get_indexer(pd.Index(assets))
        if (idx < 0).any():
            bad = [a for a, i in zip(assets, idx) if i < 0][:5]
            raise UnknownAssetError(f"unknown asset(s) {bad} at bar {self.bar}; "
                                    "orders must name price columns")
        return idx

    def _submit(self, assets, amounts, kind: int, book: int | None, keep_open: bool | None) -> np.ndarray:
        if not self._e.started:
            raise OrderError("orders can only be placed from on_data or scheduled callbacks, not initialize")
        e = self._e
        return e.broker.submit(e.bar, e.bar + e.delay, assets, amounts, kind,
                               self.book if book is None else int(book), keep_open)

    def _one(self, asset, amount: float, kind: int, book, keep_open) -> int:
        return int(self._submit(self._index([asset]), [amount], kind, book, keep_open)[0])

    def order(self, asset, shares: float, *, book: int | None = None, keep_open: bool | None = None) -> int:
        """Buy (> 0) or sell (< 0) ``shares`` of ``asset``; returns the order id."""
        return self._one(asset, shares, SHARES, book, keep_open)

    def order_value(self, asset, value: float, *, book=None, keep_open=None) -> int:
        """Trade ``value`` currency of ``asset``, converted to shares at the current close."""
        i = self._index([asset])[0]
        price = self._e.marks[self.bar, i]
        if not price > 0:
            raise OrderError(f"{asset!r} has no price at bar {self.bar}; cannot size order_value")
        return int(self._submit([i], [value / price], SHARES, book, keep_open)[0])

    def order_target(self, asset, shares: float, *, book=None, keep_open=None) -> int:
        """Trade so the book holds ``shares`` of ``asset`` (sized when it fills)."""
        return self._one(asset, shares, TARGET_SHARES, book, keep_open)

    def order_target_value(self, asset, value: float, *, book=None, keep_open=None) -> int:
        """Trade so the book holds ``value`` currency of ``asset`` at the fill price."""
        return self._one(asset, value, TARGET_VALUE, book, keep_open)

    def order_target_percent(self, asset, percent: float, *, book=None, keep_open=None) -> int:
        """Trade so ``asset`` is ``percent`` (0.05 = 5%) of the book's value at the fill."""
        return self._one(asset, percent, TARGET_WEIGHT, book, keep_open)

    def order_target_weights(self, weights, *, book=None, keep_open=None) -> np.ndarray:
        """Rebalance a book to target weights (fractions of its value at the fill; 0.05 = 5%).

        Parameters
        ----------
        weights : dict or pd.Series (asset -> weight), or ndarray shape (assets,)
            aligned with ``ctx.assets``. Assets the book holds but not listed
            get weight 0 (closed), and so do assets in which the book has open
            orders (they may fill before this batch, which then closes them).
            NaN weights raise :class:`OrderError`.

        Returns
        -------
        ndarray of int
            Order ids (one per asset with a non-zero target or position).
        """
        bk = self.book if book is None else int(book)
        if isinstance(weights, np.ndarray):
            full = np.asarray(weights, dtype="float64")
            if full.shape != (len(self.assets),):
                raise OrderError(f"a weight array must have shape ({len(self.assets)},), got {full.shape}")
        else:
            s = pd.Series(weights, dtype="float64") if isinstance(weights, Mapping) else pd.Series(weights)
            full = np.zeros(len(self.assets))
            full[self._index(s.index)] = s.to_numpy(dtype="float64")
        if not np.isfinite(full).all():
            raise OrderError(f"target weights must be finite at bar {self.bar}; "
                             f"{int((~np.isfinite(full)).sum())} are NaN/inf (use 0 for 'not held')")
        broker = self._e.broker
        touched = (full != 0) | (broker.shares[bk] != 0)
        pending = broker.open["asset"][broker.open["book"] == bk]
        touched[pending] = True  # what the book will hold when this fills: open orders may still trade
        idx = np.flatnonzero(touched)
        return self._submit(idx, full[idx], TARGET_WEIGHT, bk, keep_open)

    def cancel(self, order_id=None, *, book: int | None = None) -> int:
        """Cancel open orders: one id, a list of ids, or all of a book (default: this strategy's book)."""
        b = self.book if order_id is None and book is None else book
        return self._e.broker.cancel(self.bar, ids=order_id, book=b)

    def open_orders(self) -> pd.DataFrame:
        """The open orders of all books (one row per order)."""
        from factorlab.backtest._result import orders_frame

        return orders_frame(self._e.broker.open, self._e.index, self._e.assets)
