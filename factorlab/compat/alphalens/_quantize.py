"""Alphalens' ``quantize_factor`` (and its error helpers), binned row-wise by factorlab.

The entries of the Alphalens-layout frame are put on a (dates x assets)
grid (one grid per group with ``by_group``) and binned by
:func:`factorlab.factor._quantize.quantize_rows`, which gives ``pd.qcut`` /
``pd.cut``'s buckets exactly. The result is laid out as Alphalens'
``groupby(...).apply`` lays it out: ordered by date (then group), entries in
their input order (sorted by (date, asset) with ``zero_aware``), int64 labels
when every entry was binned and float64 when a (date, group) failed under
``no_raise``. With ``by_group`` and a categorical 'group' whose category has
no entry on some date, Alphalens raises (``no_raise=False``) or, on pandas 3,
returns object labels; both are reproduced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import BinningError, DataError, ParameterError
from factorlab.factor._quantize import quantize_rows

__all__ = ["GroupMappingError", "non_unique_bin_edges_error", "quantize_factor", "rethrow"]

_BIN_EDGES_HELP = """

    An error occurred while computing bins/quantiles on the input provided.
    This usually happens when the input contains too many identical
    values and they span more than one quantile. The quantiles are choosen
    to have the same number of records each, but the same value cannot span
    multiple quantiles. Possible workarounds are:
    1 - Decrease the number of quantiles
    2 - Specify a custom quantiles range, e.g. [0, .50, .75, 1.] to get unequal
        number of records per quantile
    3 - Use 'bins' option instead of 'quantiles', 'bins' chooses the
        buckets to be evenly spaced according to the values themselves, while
        'quantiles' forces the buckets to have the same number of records.
    4 - for factors with discrete values use the 'bins' option with custom
        ranges and create a range for each discrete value
    Please see utils.get_clean_factor_and_forward_returns documentation for
    full documentation of 'bins' and 'quantiles' options.

"""


class GroupMappingError(DataError, KeyError):
    """An asset missing from the ``groupby`` mapping, or a group missing from ``groupby_labels``."""


def rethrow(exception, additional_message):
    """Raise ``exception`` again with ``additional_message`` appended to its first argument."""
    if not exception.args:
        exception.args = (additional_message,)
    else:
        exception.args = (exception.args[0] + additional_message,) + exception.args[1:]
    raise exception


def non_unique_bin_edges_error(func):
    """Decorator: a 'Bin edges must be unique' ``ValueError`` gets Alphalens' explanation appended."""

    def dec(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValueError as e:
            if "Bin edges must be unique" in str(e):
                rethrow(e, _BIN_EDGES_HELP)
            raise

    return dec


def _codes(values, categorical: bool) -> np.ndarray:
    """Group codes in the order Alphalens' groupby visits groups (category order, else sorted)."""
    if categorical:
        return np.asarray(pd.Categorical(values).codes, dtype=np.int64)
    codes, _ = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return codes.astype(np.int64)


def _check_args(quantiles, bins, zero_aware) -> None:
    if (quantiles is None) == (bins is None):
        raise ParameterError("Either quantiles or bins should be provided")
    if zero_aware and not (isinstance(quantiles, int) or isinstance(bins, int)):
        raise ParameterError("zero_aware should only be True when quantiles or bins is an integer")


def _quantize_factor(factor_data, quantiles=5, bins=None, by_group=False, no_raise=False, zero_aware=False):
    _check_args(quantiles, bins, zero_aware)
    fac = factor_data["factor"]
    if len(fac) == 0:  # groupby.apply over no group: an empty float Series
        return pd.Series(dtype="float64", name="factor_quantile")
    idx = fac.index
    d_codes, dates = pd.factorize(idx.get_level_values("date"), sort=True)
    a_codes, assets = pd.factorize(idx.get_level_values(1), sort=True)
    x = np.full((len(dates), len(assets)), np.nan)
    x[d_codes, a_codes] = fac.to_numpy(dtype="float64")
    labels = np.full(len(fac), np.nan)
    empty = False
    if by_group:
        group = factor_data["group"]
        categorical = isinstance(group.dtype, pd.CategoricalDtype)
        g_codes = _codes(group, categorical)
        if categorical and EMPTY_GROUPS_VISITED:
            seen = g_codes >= 0  # a missing group is no category
            empty = has_empty_groups(d_codes[seen], g_codes[seen], len(dates), len(group.dtype.categories)) and \
                empty_bin_fails(quantiles, bins, zero_aware)
            if empty and not no_raise:
                raise BinningError("Cannot cut empty array: a category of the categorical 'group' has no entry "
                                   "on some date, and Alphalens bins every category on every date "
                                   "(use no_raise=True, or max_loss > 0)")
    else:
        g_codes = np.zeros(len(fac), dtype=np.int64)
    failed_any = False
    failed_entry = np.zeros(len(fac), dtype=bool)
    for g in np.unique(g_codes[g_codes >= 0]):  # a missing group (code -1) is left out, as groupby does
        sel = g_codes == g
        xg = np.full_like(x, np.nan)
        xg[d_codes[sel], a_codes[sel]] = x[d_codes[sel], a_codes[sel]]
        lab, failed = quantize_rows(xg, quantiles=quantiles, bins=bins, zero_aware=zero_aware)
        failed_rows = failed & ~np.isnan(xg).all(axis=1)
        if failed_rows.any():
            if not no_raise:
                when = list(dates[failed_rows][:3].astype(str))
                raise BinningError(f"Bin edges must be unique on {int(failed_rows.sum())} date(s) "
                                   f"(first: {when}), {quantiles or bins} quantiles/bins{_BIN_EDGES_HELP}")
            failed_any = True
        labels[sel] = lab[d_codes[sel], a_codes[sel]]
        failed_entry[sel] = failed_rows[d_codes[sel]]
    present = np.flatnonzero(g_codes >= 0)
    if zero_aware and _reordered(d_codes, g_codes, a_codes, np.isnan(x[d_codes, a_codes]), failed_entry):
        # a (date, group)'s labels came back in another order than its rows: the pieces are concatenated
        # in (date, group) order, each sorted by asset
        order = present[np.lexsort((a_codes[present], g_codes[present], d_codes[present]))]
    else:  # every piece kept its rows' order: the labels are put back in the input's order
        order = present
    out = pd.Series(labels[order], index=idx[order], name="factor_quantile")
    # float labels when a piece had a NaN: a (date, group) that failed, or (without zero_aware, whose
    # halves leave NaN factors out) a NaN factor
    has_nan = failed_any or (not zero_aware and np.isnan(labels[order]).any())
    out = out.dropna() if has_nan else out.dropna().astype(np.int64)
    return out.astype(object) if empty and EMPTY_GROUPS_GIVE_OBJECT else out


def _reordered(d_codes, g_codes, a_codes, nan_factor, failed_entry) -> bool:
    """Whether some (date, group) binned with ``zero_aware`` returns its labels in another order than its
    rows: Alphalens concatenates the positive and negative halves and sorts them by (date, asset), which
    leaves out NaN factors; a (date, group) that failed returns its rows as they are.

    pandas' ``groupby(...).apply`` then concatenates the pieces in (date, group) order; when every piece
    kept its rows (the same index), it puts the result back in the input's order.
    """
    ok = (g_codes >= 0) & ~failed_entry
    if (ok & nan_factor).any():
        return True
    rows = np.flatnonzero(ok)
    rows = rows[np.lexsort((g_codes[rows], d_codes[rows]))]  # stable: input order within a (date, group)
    same = (np.diff(d_codes[rows]) == 0) & (np.diff(g_codes[rows]) == 0)
    return bool((same & (np.diff(a_codes[rows]) <= 0)).any())


#: Alphalens concatenates an empty Series (object dtype) for every empty (date, category) group;
#: pandas 3 keeps that dtype in the result (object labels), pandas 2 leaves empty pieces out.
#: Alphalens' per-(date, group) binning groups a categorical 'group' with ``observed=False``: on
#: pandas 3 the groupby visits a category without entries on a date (pd.qcut of an empty array raises,
#: or the labels come back as objects); pandas 2.2 skips it, so nothing fails and the labels stay
#: numbers (both checked against alphalens-reloaded, on pandas 3 and 2.2).
EMPTY_GROUPS_VISITED = int(pd.__version__.split(".")[0]) >= 3
EMPTY_GROUPS_GIVE_OBJECT = EMPTY_GROUPS_VISITED


def empty_bin_fails(quantiles, bins, zero_aware: bool) -> bool:
    """Whether ``pd.qcut``/``pd.cut`` raise on an empty group: two or more quantiles, or a number of bins
    (one quantile and explicit bin edges bin an empty group without error)."""
    if quantiles is not None:
        if isinstance(quantiles, (int, np.integer)):
            return (quantiles // 2 if zero_aware else quantiles) >= 2
        return len(quantiles) >= 3
    return isinstance(bins, (int, np.integer))


def has_empty_groups(d_codes: np.ndarray, g_codes: np.ndarray, n_dates: int, n_categories: int) -> bool:
    """Whether some (date, category) pair has no entry (Alphalens' ``observed=False`` groupby visits it)."""
    present = np.zeros((n_dates, n_categories), dtype=bool)
    present[d_codes, g_codes] = True
    return not present.all()


quantize_factor = non_unique_bin_edges_error(_quantize_factor)
quantize_factor.__name__ = quantize_factor.__qualname__ = "quantize_factor"
quantize_factor.__module__ = "factorlab.compat.alphalens.utils"
quantize_factor.__doc__ = """Quantile (or bin) of each entry of an Alphalens-layout frame, per date (and group).

Parameters
----------
factor_data : pd.DataFrame
    (date, asset) index, a 'factor' column and, with ``by_group``, 'group'.
quantiles, bins : int or sequence of float
    Exactly one is given, as in :func:`get_clean_factor_and_forward_returns`.
by_group : bool
    Bin within each (date, group).
no_raise : bool
    A (date, group) that cannot be binned is left out instead of raising.
zero_aware : bool
    Bin values >= 0 and < 0 separately, half the buckets each.

Returns
-------
pd.Series named 'factor_quantile', (date, asset) index
    1-based labels: int64, or float64 when some (date, group) failed
    (those entries are left out), as Alphalens returns them.

Signature ``(*args, **kwargs)`` as in Alphalens (a decorated function); the
arguments are ``(factor_data, quantiles=5, bins=None, by_group=False,
no_raise=False, zero_aware=False)``.
"""
