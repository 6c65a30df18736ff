"""fewer_collections: raises the collector's first threshold inside the block, restores it after."""

from __future__ import annotations

import gc

import pytest

from factorlab._gc import fewer_collections


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_raised_inside_and_restored(thresholds):
    gc.set_threshold(700, 10, 10)
    with fewer_collections(40_000):
        assert gc.get_threshold() == (40_000, 10, 10)
        with fewer_collections(10_000):  # nested: never lowered
            assert gc.get_threshold() == (40_000, 10, 10)
        assert gc.get_threshold() == (40_000, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_after_an_error(thresholds):
    gc.set_threshold(700, 10, 10)
    with pytest.raises(ZeroDivisionError), fewer_collections():
        1 / 0
    assert gc.get_threshold() == (700, 10, 10)


def test_a_disabled_collector_stays_disabled(thresholds):
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold() == (0, 10, 10)
