"""The one sleeve kernel: N interleaved sleeves of P portfolios, bar by bar, compiled.

Every N-interleaved run in factorlab (``interleaved_returns``, the tear sheet's
quantile and long-short sleeves, the screen, the break-even search) is this
loop. It is sequential over bars (a sleeve's value at a rebalance depends on
everything before), so it is one compiled kernel (numba, cached on disk so a
machine compiles it once) instead of several vectorised approximations of it.
Portfolios are independent and run on the available cores (one thread each;
the kernel releases the GIL); each portfolio's arithmetic is the same whatever
the number of threads.

The rules (docs/concepts.md, "N interleaved sleeves" and "Ruin"):

- Sleeve ``k`` is scheduled on rows ``k, k + N, ...`` from the first execution
  bar; row ``r`` (bar ``start + r``) trades the signal of bar ``start + r - delay``
  when there is one, else the sleeve keeps its shares.
- Rebalance from value ``V = cash + shares . marks``: target shares
  ``V * (w / P)`` where the price is tradeable (``w / P`` finite), the held
  shares kept where it is not (NaN or 0 price: a gap event when held or
  targeted); cost ``rate * sum(|traded shares| * marks)`` paid from cash.
- Ruin: a sleeve worth 0 or less at a bar's marks (before the bar's
  rebalance, and the rebalanced sleeve again after its costs) is closed at the
  marks (costs charged), its shortfall below 0 is paid by the other sleeves in
  proportion to their values, and it holds nothing and never trades again.
  When the others cannot pay, the whole portfolio is ruined: its value is 0
  from that bar on.
- Screening for ruin costs one pass over the assets per bar: with ``B`` a
  sleeve's value and ``G`` its gross at the marks of a base bar ``t0``, its
  value at ``t`` is at least ``B - G * rho``, ``rho`` the largest relative move
  of any mark since ``t0``. While that bound is positive for every sleeve none
  can be ruined; otherwise every sleeve is valued exactly and the base moves
  to ``t``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np

__all__ = ["RUIN_FIELDS", "run_kernel"]

#: Columns of a ruin record: ledger row, sleeve (-1: the whole portfolio), sleeve value before the
#: close (currency), asset position whose move did most of the loss (-1: none), that asset's move since
#: the sleeve's last rebalance (fraction), shortfall paid by the other sleeves (currency).
RUIN_FIELDS = ("row", "sleeve", "value", "asset", "move", "shortfall")


@nb.njit(cache=True, nogil=True)
def _weight(p: int, n_quant: int, row: int, a: int, ls: np.ndarray, codes: np.ndarray,
            inv_count: np.ndarray) -> float:
    """Target weight of portfolio ``p`` on signal row ``row``, asset ``a`` (NaN: not held)."""
    if p < n_quant:
        if codes[row, a] == p:
            return inv_count[row, p]
        return np.nan
    return ls[row, a]


#: Sums may be re-associated (vectorised); NaN and inf keep their meaning (no 'nnan'/'ninf').
_FAST = {"reassoc", "contract"}


@nb.njit(cache=True, nogil=True, fastmath=_FAST)
def _held_value(H, idx, cnt, k, marks, t):
    s = 0.0
    for i in range(cnt[k]):
        a = idx[k, i]
        s += H[k, a] * marks[t, a]
    return s


@nb.njit(cache=True, nogil=True, fastmath=_FAST)
def _held_gross(H, idx, cnt, k, marks, t):
    s = 0.0
    for i in range(cnt[k]):
        a = idx[k, i]
        s += abs(H[k, a]) * marks[t, a]
    return s


@nb.njit(cache=True, nogil=True, fastmath=_FAST)
def _rebase(N, H, idx, cnt, cash, marks, t, B, G):
    """Move the ruin bound's base to bar ``t``: each sleeve's value and gross at its marks; returns ``t``."""
    for k in range(N):
        B[k] = cash[k] + _held_value(H, idx, cnt, k, marks, t)
        G[k] = _held_gross(H, idx, cnt, k, marks, t)
    return t


@nb.njit(cache=True, nogil=True)
def _settle(p, r, t, N, marks, rate, H, idx, cnt, cash, short, ruined, reb_bar, tot, holders, vals, bad,
            ruins, nr):
    """Close the sleeves marked ``bad`` (worth <= 0) at the bar's marks and have the others pay their
    shortfall in proportion to their values. Returns (records written, portfolio ruined, traded, cost)."""
    shortfall = 0.0
    traded = 0.0
    cost = 0.0
    for k in range(N):
        if not bad[k]:
            continue
        v = cash[k] + _held_value(H, idx, cnt, k, marks, t)
        close = 0.0
        worst, worst_loss, move = -1, 0.0, np.nan
        for i in range(cnt[k]):
            a = idx[k, i]
            close += abs(H[k, a]) * marks[t, a]
            if reb_bar[k] >= 0:
                base = marks[reb_bar[k], a]
                loss = H[k, a] * (marks[t, a] - base)
                if loss < worst_loss:
                    worst, worst_loss = a, loss
                    move = marks[t, a] / base - 1.0 if base > 0.0 else np.inf
            holders[a] -= 1
            tot[a] = tot[a] - H[k, a] if holders[a] else 0.0
            H[k, a] = 0.0
        c = rate * close
        traded += close
        cost += c
        shortfall += c - v
        cnt[k] = 0
        cash[k] = 0.0
        short[k] = False
        ruined[k] = True
        ruins[p, nr, 0] = r
        ruins[p, nr, 1] = k
        ruins[p, nr, 2] = v
        ruins[p, nr, 3] = worst
        ruins[p, nr, 4] = move
        ruins[p, nr, 5] = c - v
        nr += 1
    total = 0.0
    for j in range(N):
        vals[j] = 0.0
        if not ruined[j]:
            vals[j] = cash[j] + _held_value(H, idx, cnt, j, marks, t)
            if vals[j] > 0.0:
                total += vals[j]
    if total <= shortfall:  # the other sleeves cannot pay: the portfolio is ruined
        ruins[p, nr, 0] = r
        ruins[p, nr, 1] = -1
        ruins[p, nr, 2] = total - shortfall
        ruins[p, nr, 3] = -1
        ruins[p, nr, 4] = np.nan
        ruins[p, nr, 5] = shortfall
        return nr + 1, True, traded, cost
    for j in range(N):
        if vals[j] > 0.0:
            cash[j] -= shortfall * (vals[j] / total)
    return nr, False, traded, cost


@nb.njit(cache=True, nogil=True, fastmath=_FAST)
def _one_portfolio(p, prices, marks, blocked, row_of_bar, ls, codes, inv_count, n_quant, rate, start, end,
                   N, delay, capital, equity, traded, costs, gaps, sleeve_out, ledger, hold_out, total_out,
                   cash_out, values_out, hit_out, ruins, n_ruins, H, idx, cnt, cash, short, ruined, reb_bar, tot,
                   new, vals, holders, bad, B, G):
    A = marks.shape[1]
    dead = False
    nr = 0
    t0 = start  # the base bar of the ruin bound: B[k] = cash + h . marks[t0], G[k] = |h| . marks[t0]
    for k in range(N):
        B[k] = cash[k]
        G[k] = 0.0
    for r in range(end - start):
        t = start + r
        if dead:
            equity[p, r] = 0.0
            sleeve_out[p, r] = -1
            continue
        bar_traded = 0.0
        bar_cost = 0.0
        # 1. ruin. A sleeve's value is V = B - sum(h * (m[t0] - m[t])) >= B - G * rho, rho the largest
        # relative move of any mark since the base bar t0: while that bound is > 0 for every sleeve no sleeve
        # can be worth <= 0 (one pass over the assets). Otherwise every sleeve is valued exactly, those worth
        # <= 0 are settled, and the base moves to this bar.
        rho = 0.0
        for a in range(A):
            m0 = marks[t0, a]
            move = abs(marks[t, a] - m0)
            if move > rho * m0:  # a larger relative move (divides only then); from a mark of 0: inf
                rho = move / m0 if m0 > 0.0 else np.inf
        safe = True
        for k in range(N):
            # NaN (0 x inf: a held mark that was 0 at the base) is no bound: valued exactly
            if not ruined[k] and not (B[k] - G[k] * rho > 1e-9 * (abs(B[k]) + G[k])):
                safe = False
                break
        if not safe:
            hit_ruin = False
            for k in range(N):
                bad[k] = False
                if not ruined[k] and cash[k] + _held_value(H, idx, cnt, k, marks, t) <= 0.0:
                    bad[k] = True
                    hit_ruin = True
            if hit_ruin:
                nr, dead, tr, c = _settle(p, r, t, N, marks, rate, H, idx, cnt, cash, short, ruined, reb_bar,
                                          tot, holders, vals, bad, ruins, nr)
                bar_traded += tr
                bar_cost += c
            t0 = _rebase(N, H, idx, cnt, cash, marks, t, B, G)
            if dead:
                traded[p, r] = bar_traded
                costs[p, r] = bar_cost
                equity[p, r] = 0.0
                sleeve_out[p, r] = -1
                continue
        # 2. the scheduled sleeve's rebalance
        k = r % N
        row = row_of_bar[t - delay]
        if row >= 0 and not ruined[k]:
            value = cash[k] + _held_value(H, idx, cnt, k, marks, t)
            bar_gaps = 0
            moved = 0.0
            new_value = 0.0
            b_val = 0.0
            g_val = 0.0
            c_new = 0
            is_short = False
            for a in range(A):  # one pass: targets, traded notional, the ledger of shares
                w = _weight(p, n_quant, row, a, ls, codes, inv_count)
                was = H[k, a]
                if blocked[t, a]:
                    x = was
                    if x != 0.0 or (w == w and w != 0.0):
                        bar_gaps += 1
                        if ledger:
                            hit_out[r, a] = True
                else:
                    u = w / prices[t, a]
                    if not (u - u == 0.0):
                        u = 0.0
                    x = value * u
                m = marks[t, a]
                moved += abs(x - was) * m
                new_value += x * m
                if x != was:
                    holders[a] += (x != 0.0) - (was != 0.0)
                    tot[a] = tot[a] + (x - was) if holders[a] else 0.0  # no holder: exactly 0
                    H[k, a] = x
                if x != 0.0:
                    b_val += x * marks[t0, a]
                    g_val += abs(x) * marks[t0, a]
                    idx[k, c_new] = a
                    c_new += 1
                    if x < 0.0:
                        is_short = True
            c = rate * moved
            cash[k] = value - new_value - c
            cnt[k] = c_new
            short[k] = is_short
            reb_bar[k] = t
            B[k] = cash[k] + b_val
            G[k] = g_val
            bar_traded += moved
            bar_cost += c
            gaps[p, r] = bar_gaps
            sleeve_out[p, r] = k
            if cash[k] + new_value <= 0.0:  # its own costs took it to 0 or below: ruined on this bar
                for j in range(N):
                    bad[j] = j == k
                nr, dead, tr, c = _settle(p, r, t, N, marks, rate, H, idx, cnt, cash, short, ruined, reb_bar,
                                          tot, holders, vals, bad, ruins, nr)
                bar_traded += tr
                bar_cost += c
                t0 = _rebase(N, H, idx, cnt, cash, marks, t, B, G)
                if dead:
                    traded[p, r] = bar_traded
                    costs[p, r] = bar_cost
                    equity[p, r] = 0.0
                    continue
        else:
            sleeve_out[p, r] = -1
        # 3. the portfolio's value after the bar
        s = 0.0
        for j in range(N):
            if not ruined[j]:
                s += cash[j]
        held = 0.0
        for a in range(A):
            if tot[a] != 0.0:
                held += tot[a] * marks[t, a]
        equity[p, r] = s + held
        traded[p, r] = bar_traded
        costs[p, r] = bar_cost
        if ledger:
            for a in range(A):
                hold_out[r, a] = H[k, a]
                total_out[r, a] = tot[a]
            cash_out[r] = cash[k]
            if nr:  # before any ruin each sleeve's value follows from the ledger (see sleeve_values)
                for j in range(N):
                    values_out[r, j] = cash[j] + _held_value(H, idx, cnt, j, marks, t)
    n_ruins[p] = nr


def _threads() -> int:
    """Threads for independent portfolios: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


class KernelRun:
    """Outputs of :func:`run_kernel`, shape (portfolios, rows) unless said otherwise.

    Attributes
    ----------
    start : int
        Price bar of row 0 (the first execution bar).
    equity, traded, costs : ndarray of float
        Portfolio value after the bar, traded notional, costs (currency).
    gaps : ndarray of int
        Assets held or targeted by the rebalancing sleeve without a tradeable price.
    sleeve : ndarray of int
        Sleeve that rebalanced on the row, -1 when none did.
    ruins : list of ndarray
        Per portfolio, its ruin records (rows x :data:`RUIN_FIELDS`).
    holdings, total_holdings, cash, sleeve_values, gap_mask : ndarray or None
        The ledger of portfolio 0 (``ledger=True`` only): the scheduled sleeve's shares and cash after
        each row (rows x assets, rows), all sleeves' shares (rows x assets), each sleeve's value after
        each row (rows x N), and which (row, asset) were gap events.
    """

    __slots__ = ("start", "equity", "traded", "costs", "gaps", "sleeve", "ruins", "holdings",
                 "total_holdings", "cash", "sleeve_values", "gap_mask")

    def __init__(self, **kw):
        for name in self.__slots__:
            setattr(self, name, kw.get(name))


def run_kernel(prices: np.ndarray, marks: np.ndarray, blocked: np.ndarray, row_of_bar: np.ndarray,
               long_short: np.ndarray, rates: np.ndarray, start: int, end: int, period: int, delay: int,
               capital: float, codes: np.ndarray | None = None, inv_count: np.ndarray | None = None,
               ledger: bool = False) -> KernelRun:
    """Run the interleaved sleeves of P portfolios over bars ``start .. end - 1``.

    Parameters
    ----------
    prices, marks : ndarray (bars, assets)
        Tradeable prices (NaN / <= 0: blocked) and marks (last price, 0 before the first).
    blocked : ndarray of bool (bars, assets)
    row_of_bar : ndarray of int (bars,)
        Signal row of each bar, -1 for none.
    long_short : ndarray (signal rows, assets)
        Weights of the portfolios after the quantile baskets (NaN: not held).
    rates : ndarray (P,)
        Cost per unit of traded notional of each portfolio (bps * 1e-4).
    codes, inv_count : ndarray, optional
        Quantile baskets: portfolio ``q < inv_count.shape[1]`` holds ``inv_count[row, q]`` of every asset
        whose ``codes[row, a] == q``; the others hold ``long_short``.
    ledger : bool
        Keep the holdings ledger of portfolio 0 (requires P == 1).
    """
    rates = np.ascontiguousarray(rates, dtype=np.float64).reshape(-1)
    P, n, A = len(rates), end - start, marks.shape[1]
    if codes is None:
        codes = np.full((1, 1), -1, dtype=np.int8)
        inv_count = np.zeros((1, 0))
    n_quant = inv_count.shape[1]
    if ledger and P != 1:
        raise ValueError("a ledger is kept for one portfolio only")
    equity, traded, costs = np.empty((P, n)), np.zeros((P, n)), np.zeros((P, n))
    gaps = np.zeros((P, n), dtype=np.int64)
    sleeve = np.full((P, n), -1, dtype=np.int64)
    shape = (n, A) if ledger else (0, 0)
    hold, total = np.zeros(shape), np.zeros(shape)
    cash = np.zeros(n if ledger else 0)
    values = np.zeros((n, period) if ledger else (0, 0))
    hit = np.zeros(shape, dtype=np.bool_)
    ruins = np.full((P, period + 1, len(RUIN_FIELDS)), np.nan)
    n_ruins = np.zeros(P, dtype=np.int64)

    def one(p: int) -> None:
        _one_portfolio(p, prices, marks, blocked, row_of_bar, long_short, codes, inv_count, n_quant, rates[p],
                       int(start), int(end), int(period), int(delay), float(capital), equity, traded, costs, gaps,
                       sleeve, bool(ledger), hold, total, cash, values, hit, ruins, n_ruins,
                       np.zeros((period, A)), np.zeros((period, A), dtype=np.int64), np.zeros(period, dtype=np.int64),
                       np.full(period, capital / period), np.zeros(period, dtype=np.bool_),
                       np.zeros(period, dtype=np.bool_), np.full(period, -1, dtype=np.int64), np.zeros(A),
                       np.zeros(A), np.zeros(period), np.zeros(A, dtype=np.int64),
                       np.zeros(period, dtype=np.bool_), np.zeros(period), np.zeros(period))

    # portfolios are independent and the kernel releases the GIL: one thread per core
    if P == 1:
        one(0)
    else:
        with ThreadPoolExecutor(max_workers=min(P, _threads())) as pool:
            list(pool.map(one, range(P)))
    out = KernelRun(start=int(start), equity=equity, traded=traded, costs=costs, gaps=gaps, sleeve=sleeve,
                    ruins=[ruins[p, :n_ruins[p]] for p in range(P)])
    if ledger:
        out.holdings, out.total_holdings, out.cash, out.sleeve_values, out.gap_mask = hold, total, cash, values, hit
    return out
