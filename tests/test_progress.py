"""Progress bars: shown by default (text in a terminal), off by argument, by set_progress or by env var."""

from __future__ import annotations

import pytest

pytest.importorskip("tqdm")

import factorlab as fl  # noqa: E402
from factorlab._progress import progress, progress_enabled, set_progress  # noqa: E402


@pytest.fixture
def prices():
    return fl.load_sample().prices.iloc[:60, :8]


def _run(prices, **kwargs):
    factor = -(prices / prices.shift(1) - 1)
    return fl.run_backtest(fl.FactorStrategy(factor, period=2), prices, delay=0, **kwargs)


def test_backtest_shows_a_text_bar_in_a_terminal(prices, capsys, monkeypatch):
    monkeypatch.delenv("FACTORLAB_PROGRESS", raising=False)
    _run(prices)
    err = capsys.readouterr().err
    assert "backtest:" in err and "/60 " in err and "bar/s" in err


@pytest.mark.parametrize("how", ["argument", "set_progress", "context", "env"])
def test_bars_can_be_turned_off(prices, capsys, monkeypatch, how):
    monkeypatch.delenv("FACTORLAB_PROGRESS", raising=False)
    if how == "argument":
        _run(prices, progress=False)
    elif how == "set_progress":
        set_progress(False)
        try:
            _run(prices)
        finally:
            set_progress(None)
    elif how == "context":
        with set_progress(False):
            assert not progress_enabled()
            _run(prices)
        assert progress_enabled()
    else:
        monkeypatch.setenv("FACTORLAB_PROGRESS", "0")
        _run(prices)
    assert "backtest" not in capsys.readouterr().err


def test_progress_yields_the_same_items_and_closes(capsys, monkeypatch):
    monkeypatch.delenv("FACTORLAB_PROGRESS", raising=False)
    items = list(range(7))
    assert list(progress(items, desc="work", unit="item")) == items
    assert "work" in capsys.readouterr().err
    off = progress(items, desc="work", enabled=False)
    assert off is items


def test_set_progress_rejects_non_bool():
    with pytest.raises(TypeError, match="True, False or None"):
        set_progress("no")


@pytest.mark.parametrize("enabled", [False, True])
def test_bars_never_start_a_thread(capsys, monkeypatch, enabled):
    """A background thread (tqdm's monitor) would make sweeps fall back from 'fork' to a slower start method."""
    import threading

    from factorlab._progress import progress_bar

    monkeypatch.delenv("FACTORLAB_PROGRESS", raising=False)
    before = threading.active_count()
    with progress_bar(3, desc="runs", unit="run", enabled=enabled) as bar:
        bar.update(2)
    assert list(progress(range(3), desc="work", enabled=enabled)) == [0, 1, 2]
    assert threading.active_count() == before
    assert ("runs" in capsys.readouterr().err) is enabled
