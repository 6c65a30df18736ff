"""The broker: position books, open orders and the vectorised matching of one bar.

State is plain numpy: ``shares`` (books x assets), ``cash`` (books,) and the
open orders as one record array (:data:`ORDER_DTYPE`). Matching a bar resolves
every due order to a share quantity, applies the volume limit, slippage and
commission on arrays, and books the fills with ``np.add.at``. A 500-asset
rebalance is therefore a handful of array operations, not 500 Python calls.

Order kinds
-----------
``SHARES``        a fixed number of shares (``order``, ``order_value``);
``TARGET_SHARES`` hold ``amount`` shares in the book (``order_target``);
``TARGET_VALUE``  hold ``amount`` currency of the asset (``order_target_value``);
``TARGET_WEIGHT`` hold ``amount`` x the book's value (``order_target_percent``,
                  ``order_target_weights``).

Target orders are sized when they fill, against the book's position and value
at the fill bar's prices (so a delayed order does not trade on stale sizes, and
a partially filled target order that stays open re-aims at the target on the
next bar). The book value at a fill is ``cash + shares @ marks`` with the marks
of the fill price field (last price carried forward).

Order lifetime
--------------
An order lives until its execution bar (``fill_bar``) whatever is ordered
meanwhile: with a delay of d bars, the targets placed on bars t, t+1, ...
are all pending at once and each fills on its own bar. Two rules keep target
orders of one book and asset from fighting:

- a target placed for the same execution bar as an open one replaces it
  (the strategy changed its mind within a bar);
- when several target orders of a book and asset are due on one bar (a
  leftover kept open by ``keep_open`` and a newer target), the newest fills
  and the older ones are cancelled as superseded.

The broker counts every cancellation by cause (:attr:`Broker.cancelled`), so
a run that placed orders and filled none can say why.
"""

from __future__ import annotations

import mmap

import numpy as np

from factorlab.backtest._errors import OrderError
from factorlab.backtest._models import CommissionModel, SlippageModel

__all__ = [
    "CANCELLED",
    "CANCEL_CAUSES",
    "FILLED",
    "FILL_DTYPE",
    "KIND_NAMES",
    "OPEN",
    "ORDER_DTYPE",
    "SHARES",
    "STATUS_NAMES",
    "TARGET_SHARES",
    "TARGET_VALUE",
    "TARGET_WEIGHT",
    "Broker",
]

SHARES, TARGET_SHARES, TARGET_VALUE, TARGET_WEIGHT = 0, 1, 2, 3
_BY_STRATEGY, _REPLACED = "cancelled by the strategy", "replaced by a newer target for the same bar"
_SUPERSEDED, _NO_PRICE = "superseded by a newer target due on the same bar", "no tradeable price at the fill bar"
_VOLUME = "volume limit (unfilled rest)"
_SMALL = "below min_order_size"
_RUINED = "its book was ruined (worth <= 0: closed, trades no more)"
#: Causes of cancellation counted by :attr:`Broker.cancelled`.
CANCEL_CAUSES = (_BY_STRATEGY, _REPLACED, _SUPERSEDED, _NO_PRICE, _VOLUME, _SMALL, _RUINED)
KIND_NAMES = np.array(["shares", "target_shares", "target_value", "target_weight"], dtype=object)
OPEN, FILLED, CANCELLED = 0, 1, 2
STATUS_NAMES = np.array(["open", "filled", "cancelled"], dtype=object)

# Bars, assets and books are int32 (positions in the price index / columns, book numbers): the ledgers
# of a daily-rebalanced 500-asset run hold hundreds of thousands of records.
ORDER_DTYPE = np.dtype([
    ("id", "i8"), ("bar", "i4"), ("fill_bar", "i4"), ("asset", "i4"), ("book", "i4"), ("kind", "i1"),
    ("amount", "f8"), ("filled", "f8"), ("commission", "f8"), ("status", "i1"), ("keep_open", "?"),
    ("closed_bar", "i4"),
])
FILL_DTYPE = np.dtype([
    ("order", "i8"), ("bar", "i4"), ("asset", "i4"), ("book", "i4"), ("shares", "f8"), ("price", "f8"),
    ("commission", "f8"), ("slippage", "f8"),
])


def _raw(dtype: np.dtype) -> np.dtype:
    """Opaque bytes of a record dtype's size: copies of such arrays are plain memcpy."""
    return np.dtype((np.void, dtype.itemsize))


class Ledger:
    """Append-only store of records in fixed-size blocks, joined once at the end of a run.

    A daily-rebalanced 500-asset run books hundreds of thousands of orders and
    fills, so the ledger never holds two copies of its records: blocks are
    anonymous memory maps (returned to the system as soon as they are
    dropped, unlike small heap blocks), and :meth:`join` copies them into the
    final array one by one, dropping each after its copy.
    """

    def __init__(self, dtype: np.dtype, block_bytes: int = 1 << 20) -> None:
        self.dtype = np.dtype(dtype)
        self._raw = _raw(self.dtype)  # records are copied as raw bytes (a memcpy, unlike field-wise copies)
        self.block = max(1, block_bytes // self.dtype.itemsize)
        self._blocks: list[np.ndarray] = []
        self._used = 0  # records in the last block
        self._joined: np.ndarray | None = None

    def __len__(self) -> int:
        if self._joined is not None:
            return len(self._joined)
        return self.block * (len(self._blocks) - 1) + self._used if self._blocks else 0

    def _new_block(self) -> None:
        self._blocks.append(np.frombuffer(mmap.mmap(-1, self.block * self.dtype.itemsize), dtype=self._raw))
        self._used = 0

    def append(self, rec: np.ndarray) -> None:
        """Add records (copied)."""
        if self._joined is not None:  # records added after a join: start over from the joined array
            joined, self._joined = self._joined, None
            self.append(joined)
        rec = np.asarray(rec, dtype=self.dtype).view(self._raw)
        pos, k = 0, len(rec)
        while pos < k:
            if not self._blocks or self._used == self.block:
                self._new_block()
            take = min(self.block - self._used, k - pos)
            self._blocks[-1][self._used:self._used + take] = rec[pos:pos + take]
            self._used += take
            pos += take

    def join(self) -> np.ndarray:
        """All records in order of appending, as one array."""
        if self._joined is None:
            out = np.empty(len(self), dtype=self._raw)
            blocks, used = self._blocks[::-1], self._used
            self._blocks, self._used = [], 0
            pos = 0
            while blocks:
                b = blocks.pop()
                k = used if not blocks else len(b)
                out[pos:pos + k] = b[:k]
                pos += k
                del b  # unmaps the block
            self._joined = out.view(self.dtype)
        return self._joined


class Broker:
    """Books, open orders and fills of one run.

    Parameters
    ----------
    exec_prices : ndarray, shape (bars, assets)
        Fill prices per bar (close, or open for next-bar-open fills); NaN or
        <= 0 cannot be traded.
    exec_marks : ndarray, shape (bars, assets)
        ``exec_prices`` with the last price carried forward (0 before the
        first): values the books when target orders are sized.
    volumes : ndarray, shape (bars, assets), optional
        Shares traded per bar (for the volume limit and volume slippage).
    cash : float
        Starting cash, held by book 0.
    fractional : bool
        Fractional shares; otherwise quantities are truncated toward zero.
    commission, slippage : models from :mod:`factorlab.backtest._models`.
    volume_limit : float, optional
        Maximum fraction of a bar's volume filled per asset (all orders together).
    keep_open : bool
        Default for orders: unfilled rest stays open (True) or is cancelled.
    min_order_size : float, default 0
        Smallest trade in shares; smaller trades are not made and their orders cancelled.
    """

    def __init__(self, exec_prices: np.ndarray, exec_marks: np.ndarray, volumes: np.ndarray | None,
                 cash: float, fractional: bool, commission: CommissionModel, slippage: SlippageModel,
                 volume_limit: float | None, keep_open: bool, min_order_size: float = 0.0) -> None:
        self.px, self.marks, self.volumes = exec_prices, exec_marks, volumes
        self.n_assets = exec_prices.shape[1]
        self.shares = np.zeros((1, self.n_assets))
        self.cash = np.array([float(cash)])
        self.fractional, self.commission, self.slippage = fractional, commission, slippage
        self.volume_limit, self.keep_open = volume_limit, keep_open
        self.min_order_size = float(min_order_size)
        self.open = np.empty(0, dtype=ORDER_DTYPE)
        self.closed = Ledger(ORDER_DTYPE)
        self.fills = Ledger(FILL_DTYPE)
        self.next_id = 0
        self.cancelled = dict.fromkeys(CANCEL_CAUSES, 0)  # cause -> orders cancelled for it
        self.ruined = np.zeros(1, dtype=bool)  # per book: worth <= 0 once, closed, trades no more
        self.last_fill = np.full(1, -1, dtype=np.int64)  # per book: bar of its last fill
        self.dead = False  # the account was ruined: worth 0 from then on
        self.ruins: list[tuple] = []  # (bar, book or -1, value, asset or -1, move, shortfall)

    # ----------------------------------------------------------------- books
    @property
    def n_books(self) -> int:
        return len(self.cash)

    def open_books(self, n: int, amount: float, source: int) -> list[int]:
        """Create ``n`` books funded with ``amount`` each, moved from book ``source``."""
        first = self.n_books
        self.shares = np.vstack([self.shares, np.zeros((n, self.n_assets))])
        self.cash = np.concatenate([self.cash, np.full(n, float(amount))])
        self.cash[source] -= n * float(amount)
        self.ruined = np.concatenate([self.ruined, np.zeros(n, dtype=bool)])
        self.last_fill = np.concatenate([self.last_fill, np.full(n, -1, dtype=np.int64)])
        return list(range(first, first + n))

    def settle_ruin(self, bar: int) -> None:
        """The ruin rule (docs/concepts.md "Ruin"), as the interleaved sleeves apply it to a sleeve: a
        book holding positions and worth <= 0 at the marks of ``bar`` is closed at those marks
        (commission charged), its open orders are cancelled and it trades no more; its shortfall is paid
        by the other books in proportion to their values. When they cannot pay, the account is ruined:
        every book is emptied and the run is worth 0 from then on (:attr:`dead`)."""
        if self.dead:
            return
        value = self.book_value(bar)
        bad = ~self.ruined & (self.shares != 0).any(axis=1) & (value <= 0)
        if not bad.any():
            return
        mark = self.marks[bar]
        shortfall = 0.0
        for b in np.flatnonzero(bad):
            asset, move = self._worst_move(b, bar)
            cost = self._close_book(b, bar, mark)
            shortfall += cost - value[b]
            self.ruins.append((bar, int(b), float(value[b]), asset, move, float(cost - value[b])))
            self.cash[b] = 0.0
            self.ruined[b] = True
            self._cancel(bar, _RUINED, book=int(b))
        after = self.book_value(bar)
        pay = ~self.ruined & (after > 0)
        total = float(after[pay].sum())
        if total <= shortfall:
            self.ruins.append((bar, -1, total - shortfall, -1, np.nan, shortfall))
            self.shares[:] = 0.0
            self.cash[:] = 0.0
            self.ruined[:] = True
            self.dead = True
            self._cancel(bar, _RUINED)
            return
        self.cash[pay] -= shortfall * (after[pay] / total)

    def _worst_move(self, b: int, bar: int) -> tuple[int, float]:
        """The asset whose move since the book's last fill lost it the most, and that move."""
        since = self.last_fill[b]
        if since < 0:
            return -1, np.nan
        base = self.marks[since]
        loss = self.shares[b] * (self.marks[bar] - base)
        a = int(np.argmin(loss))
        if not loss[a] < 0:
            return -1, np.nan
        return a, float(self.marks[bar, a] / base[a] - 1.0) if base[a] > 0 else np.inf

    def _close_book(self, b: int, bar: int, mark: np.ndarray) -> float:
        """Close every position of book ``b`` at ``mark`` as filled orders; returns the commission."""
        a = np.flatnonzero(self.shares[b])
        q = -self.shares[b, a]
        comm = self.commission(q, mark[a])
        n = len(a)
        rec = self._new_orders(bar, bar, a, b, SHARES, q, FILLED, bar)
        rec["filled"], rec["commission"] = q, comm
        self.closed.append(rec)
        fill = np.empty(n, dtype=FILL_DTYPE)
        fill["order"], fill["bar"], fill["asset"], fill["book"] = rec["id"], bar, a, b
        fill["shares"], fill["price"], fill["commission"], fill["slippage"] = q, mark[a], comm, 0.0
        self.fills.append(fill)
        self.cash[b] -= float(q @ mark[a]) + float(comm.sum())
        self.shares[b, a] = 0.0
        return float(comm.sum())

    def book_value(self, bar: int) -> np.ndarray:
        """Value of every book at the fill marks of ``bar``, shape (books,)."""
        return self.cash + self.shares @ self.marks[bar]

    # ---------------------------------------------------------------- orders
    def submit(self, bar: int, fill_bar: int, assets: np.ndarray, amounts: np.ndarray, kind: int, book: int,
               keep_open: bool | None) -> np.ndarray:
        """Queue orders (one per asset position) and return their ids.

        Raises
        ------
        OrderError
            NaN or infinite amounts.
        """
        amounts = np.asarray(amounts, dtype="float64")
        if not np.isfinite(amounts).all():
            bad = np.flatnonzero(~np.isfinite(amounts))
            raise OrderError(f"order sizes must be finite numbers; got {amounts[bad][:5].tolist()} "
                             f"at bar {bar}")
        if self.ruined[book]:  # a ruined book trades no more: its orders are cancelled as they come
            rec = self._new_orders(bar, fill_bar, assets, book, kind, amounts, CANCELLED, bar)
            self.closed.append(rec)
            self.cancelled[_RUINED] += len(rec)
            return rec["id"]
        if kind != SHARES:  # a new target replaces the book's open targets for the same execution bar
            self._cancel(bar, _REPLACED, book=book, assets=assets, fill_bar=fill_bar, targets_only=True)
        rec = self._new_orders(bar, fill_bar, assets, book, kind, amounts, OPEN, -1)
        rec["keep_open"] = self.keep_open if keep_open is None else bool(keep_open)
        self.open = rec if len(self.open) == 0 else np.concatenate([self.open, rec])
        return rec["id"]

    def _new_orders(self, bar: int, fill_bar: int, assets, book, kind, amounts, status: int,
                    closed_bar: int) -> np.ndarray:
        """Order records with fresh ids (one per asset position), :data:`ORDER_DTYPE`."""
        n = len(assets)
        rec = np.zeros(n, dtype=ORDER_DTYPE)
        rec["id"] = np.arange(self.next_id, self.next_id + n)
        self.next_id += n
        rec["bar"], rec["fill_bar"], rec["asset"], rec["book"] = bar, fill_bar, assets, book
        rec["kind"], rec["amount"], rec["status"], rec["closed_bar"] = kind, amounts, status, closed_bar
        return rec

    def cancel(self, bar: int, ids=None, book: int | None = None, assets: np.ndarray | None = None) -> int:
        """Cancel open orders by id, or all of a book (optionally only in ``assets``); returns the count."""
        return self._cancel(bar, _BY_STRATEGY, ids=ids, book=book, assets=assets)

    def _cancel(self, bar: int, cause: str, ids=None, book: int | None = None,
                assets: np.ndarray | None = None, fill_bar: int | None = None, targets_only: bool = False) -> int:
        if len(self.open) == 0:
            return 0
        hit = np.ones(len(self.open), dtype=bool)
        if ids is not None:
            hit &= np.isin(self.open["id"], np.atleast_1d(np.asarray(ids, dtype="int64")))
        if book is not None:
            hit &= self.open["book"] == book
        if fill_bar is not None:
            hit &= self.open["fill_bar"] == fill_bar
        if targets_only:
            hit &= self.open["kind"] != SHARES
        if assets is not None and hit.any():
            hit &= np.isin(self.open["asset"], assets)
        n = int(hit.sum())
        if n:
            self.open["status"][hit] = CANCELLED
            self.open["closed_bar"][hit] = bar
            self.cancelled[cause] += n
            self._retire()
        return n

    def _retire(self) -> None:
        done = self.open["status"] != OPEN
        if done.any():
            self.closed.append(self.open[done])
            self.open = self.open[~done]

    def orders(self) -> np.ndarray:
        """Every order of the run (closed and still open), sorted by id."""
        closed = self.closed.join()
        if len(self.open):
            raw = _raw(ORDER_DTYPE)
            allrec = np.concatenate([closed.view(raw), self.open.view(raw)]).view(ORDER_DTYPE)
        else:
            allrec = closed  # closed records are final
        ids = allrec["id"]
        if len(ids) > 1 and (ids[1:] < ids[:-1]).any():  # orders retire out of id order
            allrec = allrec[np.argsort(ids, kind="stable")]
        return allrec

    # -------------------------------------------------------------- matching
    def match(self, bar: int, submitted_before: int | None = None) -> None:
        """Fill the orders due at ``bar`` (``fill_bar <= bar``); optionally only those placed before a bar."""
        if len(self.open) == 0:
            return
        due = self.open["fill_bar"] <= bar
        if submitted_before is not None:
            due &= self.open["bar"] < submitted_before
        if not due.any():
            return
        idx = self._drop_superseded(np.flatnonzero(due), bar)
        o = self.open[idx]
        a = o["asset"]
        px = self.px[bar, a]
        with np.errstate(invalid="ignore"):
            tradeable = px > 0
        want = self._wanted(o, bar, px, tradeable)
        qty = self._limit_volume(want, a, bar)
        small = (np.abs(qty) < self.min_order_size) & (qty != 0) if self.min_order_size > 0 else None
        if small is not None and small.any():
            qty = np.where(small, 0.0, qty)
        self._book_fills(o, idx, bar, qty, px)
        filled_all = np.abs(want - qty) <= 1e-9 * np.maximum(np.abs(want), 1.0)
        status = np.where(filled_all & tradeable, FILLED, np.where(o["keep_open"], OPEN, CANCELLED))
        if small is not None and small.any():
            status = np.where(small, CANCELLED, status)
        gone = status == CANCELLED
        if gone.any():
            no_price = int(np.count_nonzero(gone & ~tradeable))
            too_small = 0 if small is None else int(np.count_nonzero(gone & small))
            self.cancelled[_NO_PRICE] += no_price
            self.cancelled[_SMALL] += too_small
            self.cancelled[_VOLUME] += int(np.count_nonzero(gone)) - no_price - too_small
        self.open["status"][idx] = status
        self.open["closed_bar"][idx] = np.where(status == OPEN, -1, bar)
        self._retire()

    def _drop_superseded(self, idx: np.ndarray, bar: int) -> np.ndarray:
        """Cancel all but the newest due target order per (book, asset); return the remaining positions.

        ``self.open`` is in order of submission, so the newest is the last. Targets
        due on their own fill bar never conflict (a later target for the same
        fill bar replaced them at submission), so only leftovers kept open past
        their fill bar can be superseded.
        """
        o = self.open[idx]
        is_target = o["kind"] != SHARES
        if not (is_target & (o["fill_bar"] < bar)).any():
            return idx
        tgt = np.flatnonzero(is_target)
        key = o["book"][tgt].astype(np.int64) * self.n_assets + o["asset"][tgt]
        _, last_rev = np.unique(key[::-1], return_index=True)
        if len(last_rev) == len(key):
            return idx
        newest = np.zeros(len(key), dtype=bool)
        newest[len(key) - 1 - last_rev] = True
        old = idx[tgt[~newest]]
        self.open["status"][old] = CANCELLED
        self.open["closed_bar"][old] = bar
        self.cancelled[_SUPERSEDED] += len(old)
        return np.setdiff1d(idx, old, assume_unique=True)

    def _wanted(self, o: np.ndarray, bar: int, px: np.ndarray, tradeable: np.ndarray) -> np.ndarray:
        """Shares each order wants to trade now (0 where the asset has no price)."""
        a, b, kind, amount = o["asset"], o["book"], o["kind"], o["amount"]
        cur = self.shares[b, a]
        with np.errstate(divide="ignore", invalid="ignore"):
            if (kind == TARGET_WEIGHT).all():  # the rebalance fast path
                target = self.book_value(bar)[b] * amount / px
            else:
                target = np.select(
                    [kind == TARGET_SHARES, kind == TARGET_VALUE, kind == TARGET_WEIGHT],
                    [amount, amount / px, self.book_value(bar)[b] * amount / px], default=np.nan)
        if not self.fractional:
            target = np.trunc(target)
        want = np.where(kind == SHARES, amount - o["filled"], target - cur)
        if not self.fractional:
            want = np.where(kind == SHARES, np.trunc(want), want)
        return np.where(tradeable & np.isfinite(want), want, 0.0)

    def _limit_volume(self, want: np.ndarray, a: np.ndarray, bar: int) -> np.ndarray:
        """Scale the orders of each asset down to ``volume_limit`` x the bar's volume, pro rata."""
        if self.volume_limit is None:
            return want
        cap = self.volume_limit * np.nan_to_num(self.volumes[bar], nan=0.0)
        demand = np.bincount(a, weights=np.abs(want), minlength=self.n_assets)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(demand > cap, cap / demand, 1.0)
        qty = want * scale[a]
        return qty if self.fractional else np.trunc(qty)

    def _book_fills(self, o: np.ndarray, idx: np.ndarray, bar: int, qty: np.ndarray, px: np.ndarray) -> None:
        """Apply slippage and commission, update books and record the fills."""
        live = qty != 0
        if not live.any():
            return
        o, idx, q, p = o[live], idx[live], qty[live], px[live]
        vol = None if self.volumes is None else self.volumes[bar, o["asset"]]
        frac = self.slippage(q, p, vol)
        fill_px = p * (1.0 + np.sign(q) * frac)
        comm = self.commission(q, fill_px)
        np.add.at(self.shares, (o["book"], o["asset"]), q)
        self.last_fill[o["book"]] = bar
        np.add.at(self.cash, o["book"], -(q * fill_px) - comm)
        self.open["filled"][idx] += q
        self.open["commission"][idx] += comm
        rec = np.empty(len(q), dtype=FILL_DTYPE)
        rec["order"], rec["bar"], rec["asset"], rec["book"] = o["id"], bar, o["asset"], o["book"]
        rec["shares"], rec["price"], rec["commission"] = q, fill_px, comm
        rec["slippage"] = np.abs(q) * p * frac
        self.fills.append(rec)

    def fill_ledger(self) -> np.ndarray:
        """All fills of the run in order, :data:`FILL_DTYPE`."""
        return self.fills.join()
