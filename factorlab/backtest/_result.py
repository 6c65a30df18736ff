"""BacktestResult: the recorded arrays of a run, with pandas views as lazy cached properties.

Primary data are numpy arrays (per-bar equity, cash, shares and book values;
the order and fill ledgers as record arrays); labels are attached at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from factorlab.backtest._broker import KIND_NAMES, STATUS_NAMES
from factorlab.errors import ParameterError

__all__ = ["BacktestResult", "orders_frame", "fills_frame"]


def orders_frame(rec: np.ndarray, index: pd.DatetimeIndex, assets: pd.Index) -> pd.DataFrame:
    """Order records as a table (one row per order)."""
    closed = rec["closed_bar"]
    return pd.DataFrame({
        "id": rec["id"], "submitted": index[rec["bar"]],
        "fill_from": index[np.minimum(rec["fill_bar"], len(index) - 1)],
        "asset": assets[rec["asset"]], "book": rec["book"], "kind": KIND_NAMES[rec["kind"]],
        "amount": rec["amount"], "filled": rec["filled"], "commission": rec["commission"],
        "status": STATUS_NAMES[rec["status"]],
        "closed": pd.DatetimeIndex(np.where(closed >= 0, index.asi8[np.maximum(closed, 0)],
                                            np.datetime64("NaT").astype(index.asi8.dtype)),
                                   dtype=index.dtype),
    })


def fills_frame(rec: np.ndarray, index: pd.DatetimeIndex, assets: pd.Index) -> pd.DataFrame:
    """Fill records as a table (one row per fill; value = shares x fill price)."""
    return pd.DataFrame({
        "date": index[rec["bar"]], "asset": assets[rec["asset"]], "book": rec["book"], "order": rec["order"],
        "shares": rec["shares"], "price": rec["price"], "value": rec["shares"] * rec["price"],
        "commission": rec["commission"], "slippage": rec["slippage"],
    })


def write_frame(frame: pd.DataFrame, path, *, index: bool) -> Path:
    """Write ``frame`` as CSV or Parquet, chosen by the file name's suffix (.csv, .parquet, .pq).

    Raises
    ------
    ParameterError
        Any other suffix.
    """
    p = Path(path)
    if p.suffix.lower() == ".csv":
        frame.to_csv(p, index=index)
    elif p.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(p, index=index)
    else:
        raise ParameterError(f"cannot write {p.name!r}: use a .csv or .parquet file name")
    return p


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Outcome of :func:`factorlab.backtest.backtest`.

    Attributes
    ----------
    index : pd.DatetimeIndex, shape (bars,)
        The replayed bars.
    assets : pd.Index, shape (assets,)
    capital : float
        Starting capital (currency).
    equity_values, cash_values : ndarray, shape (bars,)
        Account value and cash after each bar's fills, at the close marks (currency).
    shares_values : ndarray, shape (bars, assets)
        Shares held after each bar.
    marks : ndarray, shape (bars, assets)
        Close prices used for valuation (last price carried forward).
    book_values : ndarray, shape (bars, books)
        Value of every position book after each bar (book 0: unallocated cash).
    order_records, fill_records : structured ndarrays
        Ledgers (:data:`ORDER_DTYPE`, :data:`FILL_DTYPE`); bars are positions in ``full_index``.
    full_index : pd.DatetimeIndex
        All price bars (``index`` is a slice of it starting at ``offset``).
    settings : dict
        The run's settings (delay, costs, ...).
    strategy : Strategy
        An un-initialised copy of the strategy (for reruns by :func:`compare`).
    run_args : dict
        The arguments of the run (for reruns).
    benchmark_prices : pd.Series or None
    warnings : tuple of RunWarning
        What the run met: held names whose prices stop (delisted) or go stale,
        data gaps, orders never filled (:mod:`factorlab.backtest._warnings`);
        ``str(w)`` is its message, :attr:`warnings_table` the table.
    logs : tuple of LogRecord
        Messages the strategy wrote with ``ctx.log(...)`` (:attr:`log`).
    """

    index: pd.DatetimeIndex
    assets: pd.Index
    capital: float
    equity_values: np.ndarray = field(repr=False)
    cash_values: np.ndarray = field(repr=False)
    shares_values: np.ndarray = field(repr=False)
    marks: np.ndarray = field(repr=False)
    book_values: np.ndarray = field(repr=False)
    order_records: np.ndarray = field(repr=False)
    fill_records: np.ndarray = field(repr=False)
    full_index: pd.DatetimeIndex = field(repr=False)
    offset: int = 0
    settings: dict = field(default_factory=dict)
    strategy: object = field(default=None, repr=False)
    run_args: dict = field(default_factory=dict, repr=False)
    benchmark_prices: pd.Series | None = field(default=None, repr=False)
    warnings: tuple = ()
    logs: tuple = field(default=(), repr=False)

    @classmethod
    def from_run(cls, engine, rec: dict, lo: int, hi: int, broker, settings, template, run_args,
                 benchmark, warnings: tuple = (), logs: tuple = ()) -> BacktestResult:
        return cls(index=engine.index[lo:hi], assets=engine.assets, capital=settings["capital"],
                   equity_values=rec["equity"], cash_values=rec["cash"], shares_values=rec["shares"],
                   marks=engine.marks[lo:hi], book_values=rec["books"], order_records=broker.orders(),
                   fill_records=broker.fill_ledger(), full_index=engine.index, offset=lo, settings=settings,
                   strategy=template, run_args=run_args, benchmark_prices=benchmark, warnings=tuple(warnings),
                   logs=tuple(logs))

    # ------------------------------------------------------------ per bar
    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=self.index, name=name)

    @cached_property
    def equity(self) -> pd.Series:
        """Account value after each bar (currency), shape (bars,)."""
        return self._series(self.equity_values, "equity")

    @cached_property
    def returns(self) -> pd.Series:
        """Per-bar return ``equity[t] / equity[t-1] - 1`` (0.01 = 1%); the first bar against ``capital``."""
        prev = np.concatenate(([self.capital], self.equity_values[:-1]))
        return self._series(self.equity_values / prev - 1.0, "return")

    @cached_property
    def cash(self) -> pd.Series:
        """Cash after each bar (currency)."""
        return self._series(self.cash_values, "cash")

    @cached_property
    def positions(self) -> pd.DataFrame:
        """Shares held after each bar, shape (bars, assets)."""
        return pd.DataFrame(self.shares_values, index=self.index, columns=self.assets)

    @cached_property
    def position_values(self) -> pd.DataFrame:
        """Value of each position at the close marks (currency), shape (bars, assets)."""
        return pd.DataFrame(self.shares_values * self.marks, index=self.index, columns=self.assets)

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Position value / equity after each bar, shape (bars, assets)."""
        return self.position_values.div(self.equity_values, axis=0)

    @cached_property
    def book_equity(self) -> pd.DataFrame:
        """Value of each position book after each bar (currency), shape (bars, books).

        With a FactorStrategy, books ``1..N`` are its sleeves (book 0 keeps unallocated cash).
        """
        return pd.DataFrame(self.book_values, index=self.index,
                            columns=pd.RangeIndex(self.book_values.shape[1], name="book"))

    @cached_property
    def exposures(self) -> pd.DataFrame:
        """Long, short (negative), gross and net exposure as fractions of equity, shape (bars, 4)."""
        w = self.weights.to_numpy()
        long, short = np.where(w > 0, w, 0.0).sum(axis=1), np.where(w < 0, w, 0.0).sum(axis=1)
        return pd.DataFrame({"long_exposure": long, "short_exposure": short, "gross_exposure": long - short,
                             "net_exposure": long + short}, index=self.index)

    def _per_bar(self, values: np.ndarray) -> np.ndarray:
        rel = self.fill_records["bar"] - self.offset
        return np.bincount(rel, weights=values, minlength=len(self.index))[:len(self.index)]

    @cached_property
    def costs(self) -> pd.DataFrame:
        """Commission and slippage paid per bar (currency), columns commission, slippage, total."""
        f = self.fill_records
        c, s = self._per_bar(f["commission"]), self._per_bar(f["slippage"])
        return pd.DataFrame({"commission": c, "slippage": s, "total": c + s}, index=self.index)

    @cached_property
    def traded_value(self) -> pd.Series:
        """Absolute traded notional per bar (currency)."""
        f = self.fill_records
        return self._series(self._per_bar(np.abs(f["shares"] * f["price"])), "traded_value")

    @cached_property
    def turnover(self) -> pd.Series:
        """Traded notional / equity per bar (0.1 = 10% of the account changed hands)."""
        return (self.traded_value / self.equity).rename("turnover")

    # ------------------------------------------------------------ ledgers
    @cached_property
    def orders(self) -> pd.DataFrame:
        """Every order with its kind, amount, filled shares, commission and status."""
        return orders_frame(self.order_records, self.full_index, self.assets)

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Every fill: date, asset, book, order, shares (signed), price, value, commission, slippage."""
        return fills_frame(self.fill_records, self.full_index, self.assets)

    @cached_property
    def round_trips(self) -> pd.DataFrame:
        """Account-level round trips per asset (a position opened from 0 and closed back to 0 or flipped).

        Columns: asset, open, close, direction ('long'/'short'), shares,
        entry_price, exit_price, pnl (currency, net of commission),
        commission, slippage (currency), cost_basis (currency), return
        (pnl / cost_basis), duration (Timedelta), bars (bars held).
        Positions still open at the end are not listed.
        """
        from factorlab.backtest._roundtrips import round_trips

        return round_trips(self.trades, self.full_index)

    @cached_property
    def trade_stats(self) -> pd.Series:
        """Per-trade statistics of :attr:`round_trips` (:func:`factorlab.metrics.trade_statistics`):
        trades, win_rate (per trade), profit_factor, expectancy (currency per trade), average_win,
        average_loss, durations, net_pnl and fees."""
        from factorlab.metrics import trade_statistics

        return trade_statistics(self.round_trips)

    @cached_property
    def markets(self) -> str:
        """What the run traded, from the data: assets traded of those given, bar length and calendar."""
        from factorlab.metrics import bar_frequency

        freq = bar_frequency(self.index)
        traded = len(np.unique(self.fill_records["asset"]))
        calendar = {"24/7": "24/7 calendar", "session": "session calendar"}.get(freq.calendar, "")
        return f"{traded} of {len(self.assets)} assets traded, {freq.bar} bars" + (f", {calendar}" if calendar
                                                                                     else "")

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Per bar and asset (the evaluator layout of reference 004), index (date, asset), rows where the
        asset was held or traded: price (close mark), signal (weight after the bar), prev_signal (weight
        before it), trade (shares traded), pnl (currency: ``shares[t-1] * (M[t] - M[t-1])`` plus the bar's
        fills marked at the close, less commission) and equity (the account after the bar).

        The pnl of a bar summed over assets is the account's change in equity on that bar.
        """
        n, A = self.shares_values.shape
        marks = self.marks
        prev_marks = np.vstack([marks[:1], marks[:-1]])
        prev_shares = np.vstack([np.zeros((1, A)), self.shares_values[:-1]])
        f = self.fill_records
        rel = f["bar"] - self.offset
        traded = np.zeros((n, A))
        np.add.at(traded, (rel, f["asset"]), f["shares"])
        fill_gain = np.zeros((n, A))
        np.add.at(fill_gain, (rel, f["asset"]), f["shares"] * (marks[rel, f["asset"]] - f["price"]) - f["commission"])
        with np.errstate(invalid="ignore"):
            pnl = prev_shares * (marks - prev_marks) + fill_gain
        weights = self.weights.to_numpy()
        prev_w = np.vstack([np.zeros((1, A)), weights[:-1]])
        keep = (self.shares_values != 0) | (prev_shares != 0) | (traded != 0)
        t, a = np.nonzero(keep)
        index = pd.MultiIndex.from_arrays([self.index[t], self.assets[a]], names=["date", "asset"])
        return pd.DataFrame({"price": marks[t, a], "signal": weights[t, a], "prev_signal": prev_w[t, a],
                             "trade": traded[t, a], "pnl": np.nan_to_num(pnl[t, a]),
                             "equity": self.equity_values[t]}, index=index)

    @cached_property
    def warnings_table(self) -> pd.DataFrame:
        """:attr:`warnings` as a table: kind, asset, start, end, message."""
        from factorlab.backtest._warnings import warnings_frame

        return warnings_frame(self.warnings)

    @cached_property
    def log(self) -> pd.DataFrame:
        """The strategy's ``ctx.log`` messages: time, bar, strategy, level, message (one row each)."""
        cols = ["time", "bar", "strategy", "level", "message"]
        return pd.DataFrame([tuple(r) for r in self.logs], columns=cols).astype(
            {"bar": "int64"}) if self.logs else pd.DataFrame({c: [] for c in cols})

    # ------------------------------------------------------------ statistics
    @cached_property
    def periods_per_year(self) -> float:
        """Bars per year of the replayed bars (:func:`factorlab.metrics.bar_frequency`: calendar and bar length).

        252 for daily session bars, 365 for daily 24/7 bars, 8,760 for hourly
        24/7 bars; daily bars are assumed when there are fewer than two bars.
        The run's ``periods_per_year=`` when it was given.
        """
        from factorlab.metrics import bar_frequency

        return bar_frequency(self.index, periods_per_year=self.settings.get("periods_per_year")).periods_per_year

    @cached_property
    def benchmark_returns(self) -> pd.Series | None:
        """Per-bar benchmark returns on the replayed bars, from the price level or returns given (the one
        benchmark rule of every report, :func:`factorlab.report.benchmark_kind`)."""
        if self.benchmark_prices is None:
            return None
        from factorlab.report._model import benchmark_returns

        r = benchmark_returns(self.benchmark_prices, self.full_index)
        return r.iloc[self.offset:].reindex(self.index).rename("benchmark")

    @cached_property
    def stats(self) -> pd.Series:
        """Key statistics (:func:`factorlab.metrics.summary_stats`) plus turnover and costs."""
        from factorlab.metrics import summary_stats

        out = summary_stats(self.returns, self.benchmark_returns, periods_per_year=self.periods_per_year)
        extra = pd.Series({"mean_turnover": float(self.turnover.mean()),
                           "total_commission": float(self.costs["commission"].sum()),
                           "total_slippage": float(self.costs["slippage"].sum()),
                           "orders": float(len(self.order_records)), "fills": float(len(self.fill_records)),
                           "net_profit": float(self.equity_values[-1] - self.capital)})
        trades = self.trade_stats.rename({"win_rate": "trade_win_rate", "loss_rate": "trade_loss_rate",
                                          "total_commission": "trades_commission",
                                          "total_slippage": "trades_slippage"})
        return pd.concat([out, extra, trades])

    @cached_property
    def dollar_volumes(self) -> pd.DataFrame | None:
        """Traded volume in currency per replayed bar and asset (shares x close), None without volumes."""
        vol = self.run_args.get("volumes")
        if vol is None and isinstance(self.run_args.get("prices"), dict):
            vol = self.run_args["prices"].get("volume")
        if vol is None:
            return None
        shares = vol.reindex(index=self.index, columns=self.assets).to_numpy(dtype="float64")
        return pd.DataFrame(shares * self.marks, index=self.index, columns=self.assets)

    @property
    def parameters(self) -> dict[str, object]:
        """The strategy's name and parameters, then the run's settings, one key per value."""
        out: dict[str, object] = {}
        if self.strategy is not None:
            out["strategy"] = getattr(self.strategy, "name", type(self.strategy).__name__)
            out.update({k: v for k, v in getattr(self.strategy, "params", {}).items()})
        out.update({k: v for k, v in self.settings.items() if k != "strategy"})
        return out

    def order_events(self, asset) -> pd.DataFrame:
        """Order events of one asset: time, event ('submitted', 'buy', 'sell', 'cancelled'), price, shares."""
        from factorlab.backtest._chart_data import order_events

        return order_events(self, asset)

    def capacity_over_time(self, max_participation: float = 0.01) -> pd.Series | None:
        """Capacity snapshot per bar (currency) from the run's volumes; None without volumes."""
        from factorlab.backtest._chart_data import capacity_over_time

        return capacity_over_time(self, max_participation)

    def allocation(self, top: int = 8) -> pd.DataFrame:
        """|Position value| / equity of the ``top`` names and 'other'; each row sums to the gross exposure."""
        from factorlab.backtest._chart_data import allocation

        return allocation(self, top)

    def group_exposure(self, groups=None) -> pd.DataFrame | None:
        """Long and short exposure per group (columns (group, side)); None without groups."""
        from factorlab.backtest._chart_data import group_exposure

        return group_exposure(self, groups)

    @cached_property
    def most_traded(self):
        """The asset with the largest traded notional (None without fills)."""
        f = self.fill_records
        if not len(f):
            return None
        notional = np.bincount(f["asset"], weights=np.abs(f["shares"] * f["price"]), minlength=len(self.assets))
        return self.assets[int(np.argmax(notional))]

    def chart_data(self, asset=None) -> dict[str, object]:
        """The data of the report's trading charts (``ReturnsTearSheet.trading``); ``asset`` for the asset
        plot (default: :attr:`most_traded`)."""
        asset = self.most_traded if asset is None else asset
        close = pd.DataFrame(self.marks, index=self.index, columns=self.assets)
        return {"turnover": self.turnover, "capacity": self.capacity_over_time(), "allocation": self.allocation(),
                "group_exposure": self.group_exposure(),
                "asset_prices": None if asset is None else close[asset].rename(str(asset)),
                "asset_events": None if asset is None else self.order_events(asset)}

    def tear_sheet(self, **kwargs):
        """The full returns report (:func:`factorlab.create_returns_tear_sheet`) of this run, in one call.

        With the run's positions, fills (turnover, trades per day, capacity from
        the run's volumes when it had them), round trips (returns per trade,
        win rate per trade, profit factor, expectancy, ...), warnings, log,
        settings and markets; keyword arguments override any of them.
        """
        from factorlab.report import create_returns_tear_sheet

        positions = self.position_values.assign(cash=self.cash_values)
        kwargs.setdefault("parameters", self.parameters)  # bars per year: the same rule as periods_per_year
        kwargs.setdefault("warnings", self.warnings)
        kwargs.setdefault("log", self.log if self.logs else None)
        kwargs.setdefault("trades", self.trades)
        kwargs.setdefault("round_trips", self.round_trips)
        kwargs.setdefault("volumes", self.dollar_volumes)
        kwargs.setdefault("markets", self.markets)
        kwargs.setdefault("trading", self.chart_data())
        if self.settings.get("periods_per_year") is not None:
            kwargs.setdefault("periods_per_year", self.settings["periods_per_year"])
        return create_returns_tear_sheet(self.returns, benchmark=self.benchmark_returns, positions=positions,
                                         capital=self.capital, benchmark_kind="returns", **kwargs)

    # ------------------------------------------------------------ output
    @staticmethod
    def _write(frame: pd.DataFrame, path, index: bool) -> Path:
        return write_frame(frame, path, index=index)

    def save_equity(self, path) -> Path:
        """Write equity, cash and returns per bar to ``.csv`` or ``.parquet``."""
        df = pd.DataFrame({"equity": self.equity, "cash": self.cash, "return": self.returns})
        df.index.name = "date"
        return self._write(df, path, index=True)

    def save_trades(self, path) -> Path:
        """Write the fills to ``.csv`` or ``.parquet``."""
        return self._write(self.trades, path, index=False)

    def save_orders(self, path) -> Path:
        """Write the orders to ``.csv`` or ``.parquet``."""
        return self._write(self.orders, path, index=False)

    def summary(self) -> pd.DataFrame:
        """Settings and headline statistics as a one-column table."""
        s = self.stats
        rows = {**self.settings, "start": self.index[0], "end": self.index[-1], "bars": len(self.index),
                "assets": len(self.assets)}
        keys = ("total_return", "cagr", "sharpe", "max_drawdown", "mean_turnover", "total_commission",
                "total_slippage", "orders", "fills")
        rows.update({k: s[k] for k in keys})
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

    def __repr__(self) -> str:
        return (f"BacktestResult({self.settings.get('strategy')}, "
                f"{len(self.index)} bars x {len(self.assets)} "
                f"assets, total return {self.equity_values[-1] / self.capital - 1.0:.4%}, "
                f"{len(self.fill_records)} fills)")

    def _repr_html_(self) -> str:
        return "<b>Backtest</b>" + self.summary().to_html()
