"""What a run met that the user should know: held names whose prices stop, stale or gappy prices,
orders that never filled.

Computed once at the end of a run from the recorded arrays (vectorised over
assets), and kept on the result (:attr:`BacktestResult.warnings`), in the
registry record and in the report's Warnings section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["STALE_BARS", "RunWarning", "ruin_warnings", "run_warnings", "summarize_warnings", "warnings_frame"]

#: Bars of an unchanged price from which a held price counts as stale.
STALE_BARS = 10
_MAX_NAMED = 8


@dataclass(frozen=True)
class RunWarning:
    """One problem met during a run.

    Attributes
    ----------
    kind : {'prices_stop', 'stale_price', 'data_gap', 'unfilled', 'ruin'}
    message : str
        One sentence saying what happened, where and what it does to the result.
    asset : object or None
        The asset concerned (None for run-wide warnings).
    start, end : pd.Timestamp or None
        First and last bar concerned.
    """

    kind: str
    message: str
    asset: object = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None

    def __str__(self) -> str:
        return self.message


def _runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of True in a 1-d boolean array."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))


def _held_before(shares: np.ndarray) -> np.ndarray:
    """Shares held coming into each bar (the previous bar's close), shape (bars, assets)."""
    held = np.zeros_like(shares, dtype=bool)
    held[1:] = shares[:-1] != 0
    return held


def _price_warnings(close: np.ndarray, shares: np.ndarray, index: pd.DatetimeIndex, assets: pd.Index,
                    stale_bars: int) -> list[RunWarning]:
    out: list[RunWarning] = []
    has_price = np.isfinite(close)
    held = _held_before(shares)
    missing = held & ~has_price
    # a price later on the replayed bars means a gap; none means the prices stop
    later = np.flip(np.logical_or.accumulate(np.flip(has_price, axis=0), axis=0), axis=0)
    resumes = np.zeros_like(later)
    resumes[:-1] = later[1:]
    for a in np.flatnonzero(missing.any(axis=0)):
        for first, last in _runs_of(missing[:, a]):
            lp = close[:first, a][np.isfinite(close[:first, a])]
            last_px = f"{lp[-1]:,.4g}" if lp.size else "none"
            if not resumes[last, a]:
                out.append(RunWarning(
                    "prices_stop", f"{assets[a]}: held with no price from {index[first]:%Y-%m-%d} to the end of "
                    f"the run (delisted or data ends); valued at its last price {last_px} and never sold",
                    assets[a], index[first], index[-1]))
                break
            out.append(RunWarning(
                "data_gap", f"{assets[a]}: held through a data gap of {last - first + 1} bar(s), "
                f"{index[first]:%Y-%m-%d} .. {index[last]:%Y-%m-%d}; valued at its last price {last_px}, "
                "not tradeable", assets[a], index[first], index[last]))
    if stale_bars and len(close) > 1:
        same = np.zeros_like(has_price)
        with np.errstate(invalid="ignore"):
            same[1:] = has_price[1:] & (close[1:] == close[:-1])
        stale = same & held
        for a in np.flatnonzero(stale.any(axis=0)):
            for first, last in _runs_of(stale[:, a]):
                if last - first + 2 >= stale_bars:
                    out.append(RunWarning(
                        "stale_price", f"{assets[a]}: held while its price stayed at {close[first, a]:,.4g} for "
                        f"{last - first + 2} bars, {index[first - 1]:%Y-%m-%d} .. {index[last]:%Y-%m-%d} "
                        "(stale data?)", assets[a], index[first - 1], index[last]))
    return out


def _order_warnings(orders: np.ndarray, exec_px: np.ndarray, cancelled: dict, full_index: pd.DatetimeIndex,
                    assets: pd.Index, hi: int) -> list[RunWarning]:
    from factorlab.backtest._broker import CANCELLED, OPEN

    out: list[RunWarning] = []
    status = orders["status"]
    still_open = orders[status == OPEN]
    if len(still_open):
        names = sorted({str(assets[a]) for a in still_open["asset"]})
        late = int(np.count_nonzero(still_open["fill_bar"] >= hi))
        out.append(RunWarning(
            "unfilled", f"{len(still_open)} order(s) never filled, still open at the end of the run "
            f"({late} due after the last bar): {', '.join(names[:_MAX_NAMED])}"
            f"{' ...' if len(names) > _MAX_NAMED else ''}"))
    gone = orders[(status == CANCELLED) & (orders["filled"] == 0)]
    if len(gone):
        bar = np.clip(gone["closed_bar"], 0, len(exec_px) - 1)
        with np.errstate(invalid="ignore"):
            no_price = ~(exec_px[bar, gone["asset"]] > 0)
        if no_price.any():
            names = sorted({str(assets[a]) for a in gone["asset"][no_price]})
            first, last = full_index[bar[no_price].min()], full_index[bar[no_price].max()]
            out.append(RunWarning(
                "unfilled", f"{int(no_price.sum())} order(s) never filled: no tradeable price at the fill bar "
                f"({first:%Y-%m-%d} .. {last:%Y-%m-%d}): {', '.join(names[:_MAX_NAMED])}"
                f"{' ...' if len(names) > _MAX_NAMED else ''}", None, first, last))
    volume = cancelled.get("volume limit (unfilled rest)", 0)
    if volume:
        out.append(RunWarning("unfilled", f"{volume} order(s) cancelled with an unfilled rest by the volume "
                                          "limit"))
    return out


def run_warnings(close: np.ndarray, shares: np.ndarray, exec_px: np.ndarray, orders: np.ndarray,
                 cancelled: dict, full_index: pd.DatetimeIndex, assets: pd.Index, lo: int, hi: int,
                 stale_bars: int = STALE_BARS) -> tuple[RunWarning, ...]:
    """The warnings of a run.

    Parameters
    ----------
    close : ndarray, shape (all bars, assets)
        Raw close prices (NaN = no price), of every bar of the data.
    shares : ndarray, shape (replayed bars, assets)
        Shares held after each replayed bar.
    exec_px : ndarray, shape (all bars, assets)
        Fill prices (close or open).
    orders : structured ndarray
        Every order (:data:`ORDER_DTYPE`).
    cancelled : dict
        Cancellations by cause (:attr:`Broker.cancelled`).
    full_index, assets
        Labels; ``lo:hi`` are the replayed bars.
    stale_bars : int
        Run length of an unchanged held price that is reported as stale.
    """
    index = full_index[lo:hi]
    return tuple(_price_warnings(close[lo:hi], shares, index, assets, stale_bars)
                 + _order_warnings(orders, exec_px, cancelled, full_index, assets, hi))


def ruin_warnings(ruins: list, index: pd.DatetimeIndex, assets: pd.Index) -> tuple[RunWarning, ...]:
    """One warning per ruined book (and one for a ruined account) from :attr:`Broker.ruins`."""
    out = []
    for bar, book, value, asset, move, shortfall in ruins:
        when = index[bar]
        if book < 0:
            out.append(RunWarning("ruin", f"the account was ruined on {when}: the books could not pay a "
                                  f"shortfall of {shortfall:,.2f}; the run is worth 0 from then on", None, when, when))
            continue
        name = assets[asset] if asset >= 0 else None
        why = f"; {name} moved {move:+.1%} since its last fill" if name is not None else ""
        out.append(RunWarning("ruin", f"book {book} was ruined on {when} (worth {value:,.2f} at the marks){why}: "
                              f"closed at the marks, its shortfall {shortfall:,.2f} paid by the other books, "
                              "no more trades", name, when, when))
    return tuple(out)


def warnings_frame(warnings: tuple[RunWarning, ...]) -> pd.DataFrame:
    """The warnings as a table: kind, asset, start, end, message (one row each)."""
    return pd.DataFrame({"kind": [w.kind for w in warnings],
                         "asset": [None if w.asset is None else str(w.asset) for w in warnings],
                         "start": pd.to_datetime([w.start for w in warnings]),
                         "end": pd.to_datetime([w.end for w in warnings]),
                         "message": [w.message for w in warnings]})


_KIND_WORDS = {"ruin": "ruin(s)", "prices_stop": "held name(s) whose prices stop",
               "stale_price": "held price(s) that stayed unchanged (stale data?)", "data_gap": "data gap(s)",
               "unfilled": "order problem(s)"}


def summarize_warnings(warnings, worst: int = 3) -> list[str]:
    """One line per kind of warning: the count and the ``worst`` examples (the longest runs first), so
    that 408 stale prices read as one line; the full list stays in ``BacktestResult.warnings_table``.

    Items without a ``kind`` (plain strings) are grouped by their text.
    """
    groups: dict[str, list] = {}
    for w in warnings:
        groups.setdefault(getattr(w, "kind", None) or str(w), []).append(w)
    lines = []
    for kind, items in groups.items():
        if kind not in _KIND_WORDS:  # a plain message: as it is, once, with its count
            lines.append(f"{kind} (x{len(items)})" if len(items) > 1 else kind)
            continue
        if len(items) == 1:
            lines.append(str(items[0]))
            continue

        def span(w) -> float:
            if getattr(w, "start", None) is None or getattr(w, "end", None) is None:
                return 0.0
            return float((pd.Timestamp(w.end) - pd.Timestamp(w.start)) / pd.Timedelta(1, "D"))

        top = sorted(items, key=span, reverse=True)[:worst]
        ex = "; ".join(str(w) for w in top)
        lines.append(f"{len(items)} {_KIND_WORDS[kind]}; the {len(top)} longest or first: {ex}")
    return lines
