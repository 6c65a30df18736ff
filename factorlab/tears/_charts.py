"""Tear-sheet figures as recipes: built when asked for, rendered on reused canvases.

A :class:`Chart` says how to draw one named figure. :class:`Figures` (the
``TearSheet.figures`` mapping) builds a chart's matplotlib Figure the first
time it is asked for and keeps it. The tear sheet's own images (HTML,
notebook display) do not need those Figure objects: charts with the same
figure size and grid of axes are drawn one after the other on one reused
figure whose axes are reset between images (:func:`reset_axes`), which skips
building an axes and its ticks for every image (a large part of a small
chart's cost). The images equal those of fresh figures (tests/test_tears.py
and tests/test_tear_charts.py compare them pixel for pixel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass

from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting._style import fixed_margins, freeze_ticks, reset_axes

__all__ = ["Canvases", "Chart", "Figures", "fixed_layout"]


def fixed_layout(fig: Figure, *, restore_on_zoom: bool = True) -> Figure:
    """Pin titles and axis labels at fixed offsets from their axes; fix the ticks.

    Left automatic, matplotlib places each title and axis label by measuring
    every tick label of the axis (and its siblings) on each draw, which costs
    as much as drawing them. Tear-sheet charts have no top tick labels and
    short tick labels, so fixed offsets (in inches) give the same picture.
    ``restore_on_zoom`` is passed to :func:`~factorlab.plotting._style.freeze_ticks`.
    """
    width, height = fig.get_size_inches()
    for ax in fig.axes:
        if ax.get_title():
            ax.set_title(ax.get_title(), y=1.0)
        box = ax.get_position()
        ax.xaxis.set_label_coords(0.5, -0.42 / max(box.height * height, 0.1))
        ax.yaxis.set_label_coords(-0.58 / max(box.width * width, 0.1), 0.5)
        freeze_ticks(ax, restore_on_zoom=restore_on_zoom)
    return fig


@dataclass(frozen=True)
class Chart:
    """How to draw one tear-sheet figure.

    Attributes
    ----------
    draw : callable
        With ``grid``: called as ``draw(ax=axes)`` with what
        ``Figure.subplots(*grid)`` returns (one Axes, or an array of them) on
        a new figure of ``size`` with fixed margins, so a ``plot_x(data, *,
        ax)`` function with its data bound by ``functools.partial`` is a
        draw function. With ``grid=None``: called as ``draw(fig=figure)``; it
        lays out its own axes.
    size : (float, float)
        Figure size in inches.
    grid : (int, int) or None
        Rows and columns of axes.
    kind : str or None
        Charts of one kind draw the same sort of artists (e.g. the IC time
        series of each period): one drawn after another on a reused figure,
        the axes need a lighter reset (the grid is left as the last chart
        set it). None: a kind of its own.
    restyles_ticks : bool
        ``draw`` changes the tick length or label size, so a chart of another
        kind drawn next on the same reused figure gets the defaults back.
    """

    draw: Callable
    size: tuple[float, float] = (8.0, 3.4)
    grid: tuple[int, int] | None = (1, 1)
    kind: str | None = None
    restyles_ticks: bool = False

    def _new(self, restore_on_zoom: bool) -> tuple[Figure, object]:
        fig = Figure(figsize=self.size)  # outside pyplot: nothing to close, freed when dropped
        if self.grid is None:
            self.draw(fig=fig)
            axes = None
        else:
            fixed_margins(fig, *self.grid)
            axes = fig.subplots(*self.grid)
            self.draw(ax=axes)
        return fixed_layout(fig, restore_on_zoom=restore_on_zoom), axes

    def figure(self) -> Figure:
        """A new Figure of this chart (its ticks follow the view if a user changes the limits)."""
        return self._new(restore_on_zoom=True)[0]


class Figures(MutableMapping):
    """Figure name -> matplotlib Figure, in insertion order.

    An entry is a ready Figure or a :class:`Chart`, whose Figure is built the
    first time it is asked for (``figures[name]``, ``.values()``, ...) and
    then kept, so changes made to it show in the tear sheet's images.
    """

    def __init__(self, items=None) -> None:
        self._items: dict[str, Figure | Chart] = {}
        for name, value in dict(items or {}).items():
            self[name] = value

    def __getitem__(self, name: str) -> Figure:
        item = self._items[name]
        if isinstance(item, Chart):
            item = self._items[name] = item.figure()
        return item

    def __setitem__(self, name: str, value: Figure | Chart) -> None:
        if not isinstance(value, (Figure, Chart)):
            raise ParameterError(f"figure {name!r} must be a matplotlib Figure (or a tear-sheet Chart), "
                                 f"got {type(value).__name__}")
        self._items[name] = value

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def entry(self, name: str) -> Figure | Chart:
        """The stored entry: the Figure if it was built (or given), else its Chart (nothing built)."""
        return self._items[name]

    def __repr__(self) -> str:
        return f"Figures({list(self._items)})"


class Canvases:
    """Figures reused for the images of charts of one size and grid; drop it to free them.

    ``draw(chart)`` returns a figure showing ``chart``: a fresh one the first
    time a size and grid is seen (or for a chart with ``grid=None``), else
    that figure with its axes reset and drawn again. A chart of another kind
    than the last one drawn there also gets the grid switched off and, after
    a chart that restyled them, the default tick style.
    """

    def __init__(self) -> None:
        self._held: dict[tuple, tuple[Figure, object, Chart]] = {}

    def draw(self, chart: Chart) -> Figure:
        if chart.grid is None:
            return chart._new(restore_on_zoom=False)[0]
        key = (chart.size, chart.grid)
        if key in self._held:
            fig, axes, last = self._held[key]
            same = chart.kind is not None and chart.kind == last.kind
            for ax in fig.axes:
                reset_axes(ax, tick_style=last.restyles_ticks and not same, grid=not same)
            chart.draw(ax=axes)
            fixed_layout(fig, restore_on_zoom=False)
        else:
            fig, axes = chart._new(restore_on_zoom=False)
        if len(fig.axes) == chart.grid[0] * chart.grid[1]:
            self._held[key] = (fig, axes, chart)
        else:  # the chart added axes (a colour bar, a twin): not a figure to reuse
            self._held.pop(key, None)
        return fig

    def clear(self) -> None:
        self._held.clear()
