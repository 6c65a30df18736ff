"""Row blocks give the same result as one call on the whole arrays."""

from __future__ import annotations

import numpy as np

from factorlab.factor import _blocks
from factorlab.factor._blocks import blockwise
from factorlab.factor._quantize import quantize_rows


def test_blockwise_equals_whole_call(rng, monkeypatch):
    x = rng.normal(size=(37, 11))
    x[rng.random(x.shape) < 0.2] = np.nan
    whole = quantize_rows(x, quantiles=3)
    monkeypatch.setattr(_blocks, "BLOCK_CELLS", 50)  # blocks of 4 rows
    blocked = quantize_rows(x, quantiles=3)
    np.testing.assert_array_equal(whole[0], blocked[0])
    np.testing.assert_array_equal(whole[1], blocked[1])


def test_blockwise_passes_none_and_scalars(monkeypatch):
    calls = []

    @blockwise
    def f(a, b, scale=1.0):
        calls.append(a.shape[0])
        return a.sum(axis=1) * scale + (0 if b is None else b.sum(axis=1))

    monkeypatch.setattr(_blocks, "BLOCK_CELLS", 6)  # 3 columns -> 2 rows per block
    a = np.arange(15.0).reshape(5, 3)
    np.testing.assert_array_equal(f(a, None, scale=2.0), a.sum(axis=1) * 2.0)
    assert calls == [2, 2, 1]


def test_blockwise_writes_blocks_into_one_output_of_their_common_type(monkeypatch):
    """Blocks are written into one array allocated for every row (no parts to concatenate); 2-d and
    tuple outputs keep their shape, and a block of a wider type widens the output as concatenation
    would."""

    @blockwise
    def f(a):
        widened = a * 0.5 if a[0, 0] >= 4 else a  # the last blocks return floats, the first ints
        return widened, a.sum(axis=1)

    monkeypatch.setattr(_blocks, "BLOCK_CELLS", 4)  # 2 columns -> 2 rows per block
    a = np.arange(12).reshape(6, 2)
    out, sums = f(a)
    expected = np.concatenate([a[:2], a[2:] * 0.5])
    assert out.dtype == np.float64 and out.shape == (6, 2)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(sums, a.sum(axis=1))
