"""Row-wise average ranks equal scipy.stats.rankdata(method="average", axis=1, nan_policy="omit")."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from factorlab.factor import _blocks
from factorlab.factor._rank import rank_rows, sorted_ranks


def scipy_ranks(x: np.ndarray) -> np.ndarray:
    return stats.rankdata(x, method="average", axis=1, nan_policy="omit")


def test_hand_case_ties_nan_and_all_nan_row():
    x = np.array([[3.0, 1.0, 3.0, np.nan, 2.0],
                  [np.nan, np.nan, np.nan, np.nan, np.nan],
                  [5.0, 5.0, 5.0, 5.0, 5.0],
                  [-np.inf, np.inf, 0.0, -0.0, np.nan]])
    expected = np.array([[3.5, 1.0, 3.5, np.nan, 2.0],
                         [np.nan] * 5,
                         [3.0] * 5,
                         [1.0, 4.0, 2.5, 2.5, np.nan]])
    np.testing.assert_array_equal(rank_rows(x), expected)
    np.testing.assert_array_equal(rank_rows(x), scipy_ranks(x))


@pytest.mark.parametrize("seed", range(20))
def test_random_small_integers_with_ties_nan_and_inf(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(rng.integers(1, 9), rng.integers(1, 13))).astype("float64")
    x[rng.random(x.shape) < 0.3] = np.nan
    x[rng.random(x.shape) < 0.1] = np.inf
    x[rng.random(x.shape) < 0.1] = -np.inf
    if seed % 3 == 0:
        x[0] = np.nan
    np.testing.assert_array_equal(rank_rows(x), scipy_ranks(x))


def test_continuous_values_and_fill():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(50, 40))
    x[rng.random(x.shape) < 0.2] = np.nan
    np.testing.assert_array_equal(rank_rows(x), scipy_ranks(x))
    filled = rank_rows(x, fill=0.0)
    np.testing.assert_array_equal(filled, np.nan_to_num(scipy_ranks(x), nan=0.0))


def test_blocks_give_the_same_ranks(monkeypatch):
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=(37, 11)), 1)
    x[rng.random(x.shape) < 0.2] = np.nan
    whole = rank_rows(x)
    monkeypatch.setattr(_blocks, "SMALL_BLOCK_CELLS", 40)  # blocks of 3 rows
    np.testing.assert_array_equal(rank_rows(x), whole)
    np.testing.assert_array_equal(whole, scipy_ranks(x))


def test_degenerate_shapes_and_no_mutation():
    assert rank_rows(np.empty((0, 3))).shape == (0, 3)
    assert rank_rows(np.empty((2, 0))).shape == (2, 0)
    np.testing.assert_array_equal(rank_rows(np.array([[7.0], [np.nan]])), [[1.0], [np.nan]])
    x = np.array([[2.0, np.nan, 1.0]])
    before = x.copy()
    rank_rows(x)
    np.testing.assert_array_equal(x, before)


def test_sorted_ranks_counts_only_the_first_n():
    s = np.array([[1.0, 1.0, 2.0, 9.0, 9.0], [4.0, 4.0, 4.0, 4.0, 4.0]])
    out = sorted_ranks(s, np.array([3, 2]))
    np.testing.assert_array_equal(out[0, :3], [1.5, 1.5, 3.0])
    np.testing.assert_array_equal(out[1, :2], [1.5, 1.5])


def test_factor_package_does_not_import_scipy_stats_or_statsmodels():
    import subprocess
    import sys

    code = ("import sys, factorlab.factor; "
            "print(sorted(m for m in sys.modules if m.startswith(('scipy.stats', 'statsmodels'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_values_differing_in_the_lowest_bits_are_ordered_exactly():
    # keys keep the high bits of the value and the column in the low bits: values a few ulps apart
    # can be packed out of order; those rows are sorted again
    base = 1.0 + np.arange(12)[::-1] * np.finfo(float).eps
    x = np.vstack([base, -base, np.r_[base[:6], np.nan, base[7:]], np.full(12, 0.5)])
    np.testing.assert_array_equal(rank_rows(x), scipy_ranks(x))


def test_argsort_branch_for_wide_rows(monkeypatch):
    from factorlab.factor import _rank

    rng = np.random.default_rng(11)
    x = np.round(rng.normal(size=(9, 30)), 1)
    x[rng.random(x.shape) < 0.2] = np.nan
    x[0, :3] = [np.inf, -np.inf, np.inf]
    monkeypatch.setattr(_rank, "_PACK_MAX_BITS", 2)
    np.testing.assert_array_equal(rank_rows(x), scipy_ranks(x))
