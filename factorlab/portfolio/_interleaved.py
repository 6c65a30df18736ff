"""The N-interleaved sub-portfolio calculator (see DESIGN.md, "The N-interleaved sub-portfolios").

The factor's N-period return is what N sleeves of 1/N capital earn, each
rebalanced every N bars and started on consecutive bars. Shares are held
between a sleeve's rebalances (weights drift with prices); the portfolio is the
sum of the sleeves, so exactly one sleeve trades per bar and every position is
held N bars.

Conventions
-----------
Schedule
    Bars are the rows of ``prices`` (any frequency: days, hours, minutes);
    ``period`` and ``delay`` count bars. The schedule starts at the first
    weight date ``t0``: sleeve ``k`` (k = 0..N-1) is scheduled on the signal
    bars ``t0 + k, t0 + k + N, ...`` and executes each one ``delay`` bars
    later, at the price ``P[t + delay]``. Sleeve ``k`` is in cash (capital / N)
    until its first execution at bar ``t0 + delay + k``.
Bars without a signal
    A price bar with no row in ``weights`` carries no signal: the sleeve
    scheduled on it keeps its holdings (no trade) until its next scheduled bar.
    Signals whose execution bar falls past the last price are not executed.
NaN weights
    NaN means "not in the cross-section" (how :func:`factor_weights` marks
    absent assets) and is treated as a weight of 0; a row that is all NaN sends
    the sleeve to cash. Infinite weights raise :class:`InvalidWeightsError`.
    Weights are used as given (no re-normalisation): a row with
    ``sum(w) < 1`` leaves the rest of the sleeve in cash, ``sum(w) > 1`` borrows it.
Rebalance
    With sleeve value ``V`` (cash + shares at the marks), target shares are
    ``h = V * w / P`` and cash ``V - sum(V * w) - cost``.
Costs
    ``cost_bps`` (1 bps = 0.01%) is charged on the absolute traded notional
    ``sum(|h_new - h_old| * P)`` of the rebalancing sleeve; the target notional
    is computed from ``V`` before costs and the cost is paid from the sleeve's cash.
Data gaps
    An asset without a price at a bar is marked at its last price (0 before
    its first price). Prices that are NaN or 0 cannot be traded: at a rebalance
    the sleeve keeps such a position as it is, ignores the asset's target
    weight (the other targets are not re-scaled), and closes or resizes it at
    its next rebalance where a price exists. Every (rebalance, asset) pair
    where this happens to a held or targeted asset is an event, counted in
    :attr:`InterleavedResult.n_gap_events` and listed in
    :attr:`InterleavedResult.gap_events`.
Output bars
    Results run from the first execution bar ``t0 + delay`` to the last price
    bar. ``returns[t] = equity[t] / equity[t-1] - 1`` with the equity before
    the first bar equal to ``capital`` (all cash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab.factor._forward import period_label
from factorlab.portfolio._ruin import bar_returns, bar_turnover, ruin_table
from factorlab.portfolio._sleeves import (
    SleeveLedger,
    align_weights,
    check_run_args,
    price_panel,
    signals,
    simulate,
)

__all__ = ["InterleavedResult", "interleaved_returns"]


@dataclass(frozen=True, eq=False)
class InterleavedResult:
    """Returns of the N-interleaved sleeves, with the ledger they derive from.

    Primary data are the per-bar arrays of :class:`SleeveLedger`; every pandas
    output is a lazily computed, cached property.

    Attributes
    ----------
    index : pd.DatetimeIndex, shape (bars,)
        Price bars from the first execution bar to the last price bar.
    assets : pd.Index, shape (assets,)
        The assets of the weights.
    period : int
        N, in bars.
    delay : int
        Execution delay in bars.
    cost_bps : float
        Cost per unit of traded notional, in bps.
    capital : float
        Starting capital (currency).
    label : str
        Period label ('5D', '4h', ...).
    ledger : SleeveLedger
        Per-bar trade records and the rebalancing sleeve's holdings and cash.
    marks : ndarray, shape (bars, assets)
        Prices used to value holdings (last price carried forward).
    """

    index: pd.DatetimeIndex
    assets: pd.Index
    period: int
    delay: int
    cost_bps: float
    capital: float
    label: str
    ledger: SleeveLedger = field(repr=False)
    marks: np.ndarray = field(repr=False)

    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=self.index, name=name)

    @cached_property
    def equity(self) -> pd.Series:
        """Portfolio value per bar after trades and costs (currency), shape (bars,)."""
        return self._series(self.ledger.equity, "equity")

    @cached_property
    def returns(self) -> pd.Series:
        """Per-bar return ``equity[t] / equity[t-1] - 1`` (0.01 = 1%), shape (bars,)."""
        return self._series(bar_returns(self.ledger.equity, self.capital), "return")

    @cached_property
    def cumulative_returns(self) -> pd.Series:
        """``equity / capital - 1`` per bar (0.01 = 1%), shape (bars,)."""
        return self._series(self.ledger.equity / self.capital - 1.0, "cumulative_return")

    @cached_property
    def costs(self) -> pd.Series:
        """Costs paid per bar (currency), shape (bars,)."""
        return self._series(self.ledger.costs, "cost")

    @cached_property
    def turnover(self) -> pd.Series:
        """Traded notional / portfolio value before the bar's costs, shape (bars,).

        0.1 means 10% of the portfolio changed hands on that bar.
        """
        led = self.ledger
        return self._series(bar_turnover(led.traded, led.equity, led.costs), "turnover")

    @cached_property
    def sleeve_equity(self) -> pd.DataFrame:
        """Value of each sleeve per bar (currency), shape (bars, N); rows sum to ``equity``.

        A ruined sleeve is worth 0 from the bar of its ruin on (see :attr:`ruins`).
        """
        n, N, led = len(self.index), self.period, self.ledger
        out = np.full((n, N), self.capital / N)
        # before any ruin: sleeve k holds the shares and cash of its last scheduled row
        for k in range(min(N, n)):
            rows = np.arange(k, n)
            own = rows - (rows - k) % N
            out[rows, k] = led.cash[own] + np.einsum("ta,ta->t", self.marks[rows], led.holdings[own])
        if led.ruins is not None and len(led.ruins):  # from the first ruin on: the kernel's own values
            first = int(led.ruins[0, 0])
            out[first:] = led.sleeve_values[first:]
        return pd.DataFrame(out, index=self.index, columns=pd.RangeIndex(N, name="sleeve"))

    @cached_property
    def ruins(self) -> pd.DataFrame:
        """Sleeves (and the portfolio) ruined during the run: worth 0 or less at a bar's marks.

        Columns: ``date``, ``sleeve`` (<NA>: the whole portfolio), ``value`` (the sleeve's value before
        it was closed, currency), ``asset`` and ``move`` (the name whose move since the sleeve's last
        rebalance lost the most, and that move as a fraction), ``shortfall`` (currency paid by the other
        sleeves). Empty when nothing was ruined.
        """
        return ruin_table(self.ledger.ruins, self.index, self.assets)

    @property
    def ruined(self) -> bool:
        """Whether the whole portfolio was ruined (its value reached 0)."""
        r = self.ledger.ruins
        return bool(len(r)) and bool((r[:, 1] < 0).any())

    @cached_property
    def holdings(self) -> pd.DataFrame:
        """Shares held by the whole portfolio (all sleeves) per bar, shape (bars, assets)."""
        return pd.DataFrame(self.ledger.total_holdings, index=self.index, columns=self.assets)

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Realised portfolio weights after drift: position value / equity, shape (bars, assets)."""
        w = self.holdings.to_numpy() * self.marks / self.ledger.equity[:, None]
        return pd.DataFrame(w, index=self.index, columns=self.assets)

    @cached_property
    def exposures(self) -> pd.DataFrame:
        """Long, short (negative), gross and net exposure as fractions of equity, shape (bars, 4)."""
        w = self.weights.to_numpy()
        long = np.where(w > 0, w, 0.0).sum(axis=1)
        short = np.where(w < 0, w, 0.0).sum(axis=1)
        return pd.DataFrame({"long_exposure": long, "short_exposure": short,
                             "gross_exposure": long - short, "net_exposure": long + short},
                            index=self.index)

    @cached_property
    def gap_events(self) -> pd.DataFrame:
        """Rebalances that met a held or targeted asset without a tradeable price.

        Columns: ``date`` (execution bar), ``sleeve``, ``asset``, ``shares``
        (kept as they were), ``target_weight`` (ignored). One row per event.
        """
        cols = ["date", "sleeve", "asset", "shares", "target_weight"]
        ev = self.ledger.events
        if not ev:
            dtypes = [self.index.dtype, "int64", self.assets.dtype, "float64", "float64"]
            return pd.DataFrame({c: pd.Series(dtype=d) for c, d in zip(cols, dtypes)})
        counts = [len(e[2]) for e in ev]
        return pd.DataFrame({
            "date": self.index[np.repeat([e[0] for e in ev], counts)],
            "sleeve": np.repeat([e[1] for e in ev], counts).astype("int64"),
            "asset": self.assets[np.concatenate([e[2] for e in ev])],
            "shares": np.concatenate([e[3] for e in ev]),
            "target_weight": np.concatenate([e[4] for e in ev]),
        })

    @property
    def n_gap_events(self) -> int:
        """Number of (rebalance, asset) events where a sleeve could not trade for lack of a price."""
        return int(self.ledger.untradeable.sum())

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The per-bar table: equity, return, pnl, exposures, turnover, cost, sleeve traded.

        Index ``date`` (bars). ``pnl`` and ``cost`` are in currency; returns,
        exposures and turnover are fractions (0.01 = 1%). ``sleeve`` is the
        sleeve that rebalanced (<NA> when none had a signal); ``untradeable``
        counts its gap events on that bar.
        """
        eq = self.ledger.equity
        sleeve = pd.array(np.where(self.ledger.sleeve >= 0, self.ledger.sleeve, 0), dtype="Int64")
        sleeve[self.ledger.sleeve < 0] = pd.NA
        df = pd.DataFrame({
            "equity": eq,
            "return": self.returns.to_numpy(),
            "pnl": np.diff(eq, prepend=self.capital),
        }, index=self.index)
        df = df.join(self.exposures)
        df["turnover"] = self.turnover.to_numpy()
        df["cost"] = self.ledger.costs
        df["sleeve"] = sleeve
        df["untradeable"] = self.ledger.untradeable
        df.index.name = "date"
        return df

    def summary(self) -> pd.DataFrame:
        """One-column table of the run's settings and headline numbers.

        Returns are fractions (0.01 = 1%), per bar where marked; costs in currency.
        """
        r = self.returns
        eq = self.ledger.equity
        drawdown = eq / np.maximum.accumulate(np.concatenate(([self.capital], eq)))[1:] - 1.0
        rows = {
            "period": self.label, "period_bars": self.period, "delay_bars": self.delay,
            "cost_bps": self.cost_bps, "start": self.index[0], "end": self.index[-1],
            "bars": len(self.index), "assets": len(self.assets),
            "total_return": eq[-1] / self.capital - 1.0,
            "mean_return_per_bar": r.mean(), "volatility_per_bar": r.std(ddof=1),
            "max_drawdown": drawdown.min(), "mean_turnover_per_bar": self.turnover.mean(),
            "total_costs": self.ledger.costs.sum(), "gap_events": self.n_gap_events,
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

    def __repr__(self) -> str:
        return (f"InterleavedResult(period={self.label} ({self.period} bars), delay={self.delay}, "
                f"cost_bps={self.cost_bps:g}, {len(self.index)} bars x {len(self.assets)} assets, "
                f"total return {self.ledger.equity[-1] / self.capital - 1.0:.4%})")

    def _repr_html_(self) -> str:
        head = (f"<b>Interleaved sleeves</b>: {self.period} sleeves ({self.label}), "
                f"delay {self.delay} bar(s), {self.cost_bps:g} bps")
        return head + self.summary().to_html()


def interleaved_returns(
    weights: pd.DataFrame | pd.Series,
    prices: pd.DataFrame,
    period: int,
    delay: int = 0,
    cost_bps: float = 0.0,
    capital: float = 1_000_000.0,
) -> InterleavedResult:
    """Exact returns of N = ``period`` interleaved sleeves trading target weights.

    Parameters
    ----------
    weights : pd.DataFrame, shape (signal dates, assets), or (date, asset) Series
        Target weights per signal date (e.g. from :func:`factor_weights`).
        Dates must be bars of ``prices`` and assets columns of ``prices``.
        NaN = not held (weight 0); infinite values are rejected.
    prices : pd.DataFrame, shape (bars, assets)
        Adjusted prices (any bar frequency), NaN = no price.
    period : int
        N: number of sleeves and bars each position is held (>= 1).
    delay : int, default 0
        Execution delay in bars: the signal of bar t trades at ``P[t + delay]``.
    cost_bps : float, default 0.0
        Cost in bps of the absolute traded notional of each rebalance.
    capital : float, default 1,000,000
        Starting capital (currency), split equally across the sleeves; the
        default of :func:`factorlab.backtest`, whose defaults (``delay=0``,
        fractional shares, no costs) are this function's.

    Returns
    -------
    InterleavedResult
        ``returns``, ``equity``, ``sleeve_equity``, ``weights``, ``turnover``,
        ``costs``, ``frame``, ``gap_events``; see the module notes for the
        schedule, gap and cost conventions.

    Raises
    ------
    AlignmentError
        Weight dates or assets missing from prices.
    InvalidWeightsError
        Infinite weights.
    ParameterError
        period < 1, period longer than the bars after the first execution,
        negative delay (or one past the data), negative cost_bps or capital <= 0.

    Notes
    -----
    - Schedule: bars are rows of ``prices``; sleeve k is scheduled on the
      signal bars ``t0 + k + j*N`` (``t0`` = first weight date) and trades
      them at ``t + delay``; it holds cash (capital / N) until then.
    - A bar with no weights row is no signal: its sleeve keeps its shares.
    - NaN weight = 0 (not held); an all-NaN row sends the sleeve to cash.
    - Rebalance from value V (marked at the last prices): shares
      ``V * w / P``, cash ``V - sum(V * w) - cost``; cost =
      ``cost_bps * 1e-4 * sum(|traded shares| * P)``, paid from cash.
    - Data gaps: holdings are marked at the last price; an asset with no
      price (NaN) or a 0 price at a rebalance cannot be traded, its position
      is kept and its target ignored until the sleeve's next rebalance with
      a price; such events are counted (``n_gap_events``, ``gap_events``).
    - Output bars run from ``t0 + delay`` to the last price bar; the return
      of the first bar is measured against ``capital``.

    Examples
    --------
    >>> w = fl.factor_weights(fd)                               # doctest: +SKIP
    >>> res = fl.interleaved_returns(w, prices, period=5, cost_bps=5)  # doctest: +SKIP
    >>> res.frame.tail()                                         # doctest: +SKIP
    """
    check_run_args(period, delay, cost_bps, capital)
    wide = align_weights(weights, prices)
    panel = price_panel(prices, wide.columns)
    sig = signals(wide, panel.index)
    return run_interleaved(panel, sig, int(period), int(delay), float(cost_bps), float(capital))


def run_interleaved(panel, sig, period: int, delay: int, cost_bps: float, capital: float,
                    end: int | None = None) -> InterleavedResult:
    """Simulate prepared inputs and wrap the ledger in an :class:`InterleavedResult`."""
    led = simulate(panel, sig, period, delay, cost_bps, capital, end=end)
    stop = len(panel.index) if end is None else end
    index = panel.index[led.start:stop]
    return InterleavedResult(index=index, assets=panel.assets, period=period, delay=delay,
                             cost_bps=cost_bps, capital=capital,
                             label=period_label(period, panel.index), ledger=led,
                             marks=panel.marks[led.start:stop])
