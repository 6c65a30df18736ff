"""The one chart pipeline of every report: a chart is a Figure drawn by a plot function, written by savefig.

A :class:`Chart` says how to draw one named figure: its size, its grid of
axes and a draw function (a ``plot_x(data, *, ax)`` with its data bound by
``functools.partial``). :class:`Figures` (the ``figures`` mapping of the
factor tear sheet, the returns report and the backtest report) builds a
chart's :class:`~matplotlib.figure.Figure` the first time it is asked for and
keeps it. :func:`figure_to_data_uri` writes a Figure with
:meth:`Figure.savefig <matplotlib.figure.Figure.savefig>` at the requested
format and dpi; the reports embed exactly those bytes. Nothing is reused
between images and nothing global is changed: the rcParams and style in
effect when a figure is built and written are the ones it shows.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass

from matplotlib import rc_context, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting._checks import check_option
from factorlab.plotting._style import fixed_margins, font_scale

__all__ = [
    "IMAGE_FORMATS",
    "PNG_OPTIONS",
    "Chart",
    "Figures",
    "figure_to_data_uri",
    "figure_to_png_bytes",
    "figure_to_svg",
    "render_figure",
]

#: Image formats the reports embed.
IMAGE_FORMATS: tuple[str, ...] = ("png", "svg")

_MIME = {"png": "image/png", "svg": "image/svg+xml"}

#: Pillow's PNG options of every report image (``savefig(..., pil_kwargs=PNG_OPTIONS)``): zlib level 1
#: (charts are large flat areas: files about as small as at the default level 6, encoded faster).
PNG_OPTIONS: dict = {"compress_level": 1}


@dataclass(frozen=True)
class Chart:
    """How to draw one report figure.

    Attributes
    ----------
    draw : callable
        With ``grid``: called as ``draw(ax=axes)`` with what
        ``Figure.subplots(*grid)`` returns (one Axes, or an array of them) on
        a new figure of ``size`` with fixed margins. With ``grid=None``:
        called as ``draw(fig=figure)``; it lays out its own axes.
    size : (float, float)
        Figure size in inches at matplotlib's default 10-point font; with a
        larger style font the figure and its margins grow by the same
        factor (:func:`~factorlab.plotting._style.font_scale`), so the chart
        keeps its layout and its text fits.
    grid : (int, int) or None
        Rows and columns of axes.
    margins : dict or None
        Keyword arguments of :func:`~factorlab.plotting._style.fixed_margins`
        (inches); None: its defaults.
    sharey : bool
        The axes of the grid share their y axis; only the outer ones keep
        their y tick labels and label (``Axes.label_outer``), so panels
        compare on one scale and less text is drawn.
    """

    draw: Callable
    size: tuple[float, float] = (8.0, 3.4)
    grid: tuple[int, int] | None = (1, 1)
    margins: dict | None = None
    sharey: bool = False

    def figure(self) -> Figure:
        """A new Figure of this chart (not registered with pyplot: freed when dropped).

        Titles sit at the top of their axes (``rcParams['axes.titley'] = 1.0``
        while the figure is built, unless the user set a value): the charts
        have no tick labels above their axes, so matplotlib's automatic
        placement would put them there too, after measuring every x tick
        label on each draw.
        """
        with rc_context({"axes.titley": 1.0} if rcParams["axes.titley"] is None else {}):
            scale = font_scale()
            fig = Figure(figsize=(self.size[0] * scale, self.size[1] * scale))
            if self.grid is None:
                self.draw(fig=fig)
            else:
                fixed_margins(fig, *self.grid, **(self.margins or {}))
                axes = fig.subplots(*self.grid, sharey=self.sharey, squeeze=False)
                self.draw(ax=axes[0, 0] if axes.size == 1 else axes.ravel() if 1 in self.grid else axes)
                if self.sharey:
                    for ax in axes.flat:
                        ax.label_outer(remove_inner_ticks=True)
        return fig


class Figures(MutableMapping):
    """Figure name -> matplotlib Figure, in insertion order.

    An entry is a ready Figure or a :class:`Chart`, whose Figure is built the
    first time it is asked for (``figures[name]``, ``.values()``, ...) and
    then kept, so changes made to it show in the report's images.
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
            raise ParameterError(f"figure {name!r} must be a matplotlib Figure (or a Chart), "
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


def _figure(fig: Figure | Axes) -> Figure:
    if isinstance(fig, Axes):
        return fig.get_figure()
    if not isinstance(fig, Figure):
        raise ParameterError(f"fig must be a matplotlib Figure (or Axes), got {type(fig).__name__}")
    return fig


def _save(fig: Figure, image_format: str, dpi: float, tight: bool) -> bytes:
    buffer = io.BytesIO()
    kwargs: dict = {"format": image_format, "dpi": dpi, "bbox_inches": "tight" if tight else None}
    if image_format == "png":
        kwargs["pil_kwargs"] = PNG_OPTIONS
    salt = {}
    if image_format == "svg":
        kwargs["metadata"] = {"Date": None}  # no date stamp: the same figure gives the same document
        if rcParams["svg.hashsalt"] is None:  # element ids from a fixed salt, unless the user set one
            salt = {"svg.hashsalt": "factorlab"}
    with rc_context(salt):
        fig.savefig(buffer, **kwargs)
    return buffer.getvalue()


def render_figure(fig: Figure | Axes, image_format: str = "png", *, dpi: float = 100,
                  tight: bool = False) -> bytes:
    """The image file of a figure as ``fig.savefig(buffer, format=image_format, dpi=dpi)`` writes it
    (PNG with ``pil_kwargs=PNG_OPTIONS``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    image_format : {'png', 'svg'}
    dpi : float
        Resolution (PNG pixels per inch; SVG scales images embedded in it).
    tight : bool
        Crop to the drawn content (``bbox_inches='tight'``, which draws the
        figure twice). The reports' charts have fixed margins: False.

    Returns
    -------
    bytes
        The file content; the figure is neither changed nor closed. SVG is
        written without a date stamp and with a fixed id salt (unless
        ``rcParams['svg.hashsalt']`` is set), so it is deterministic.
    """
    check_option(image_format, "image_format", IMAGE_FORMATS)
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or dpi <= 0:
        raise ParameterError(f"dpi must be a positive number, got {dpi!r}")
    return _save(_figure(fig), image_format, dpi, tight)


def figure_to_png_bytes(fig: Figure | Axes, *, dpi: int = 100, tight: bool = True) -> bytes:
    """PNG image of a figure (or of the figure of an Axes), by default cropped to its content.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    dpi : int
        Resolution in dots per inch.
    tight : bool
        Crop to the drawn content (``bbox_inches='tight'``); False keeps the
        figure's own size and margins.

    Returns
    -------
    bytes
        What ``fig.savefig(..., format='png')`` writes. The figure is not closed.
    """
    return render_figure(fig, "png", dpi=dpi, tight=tight)


def figure_to_svg(fig: Figure | Axes, *, tight: bool = True) -> str:
    """SVG document of a figure (text), by default cropped to its content; the figure is not closed."""
    return render_figure(fig, "svg", dpi=72, tight=tight).decode("utf-8")


def figure_to_data_uri(fig: Figure | Axes, format: str = "png", *, dpi: int = 100, tight: bool = True) -> str:
    """``data:`` URI of a figure for ``<img src=...>`` in a self-contained HTML page.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    format : {'png', 'svg'}
        Image format.
    dpi : int
        Resolution.
    tight : bool
        Crop to the drawn content (see :func:`render_figure`).

    Returns
    -------
    str
        'data:image/png;base64,...' or 'data:image/svg+xml;base64,...' of
        the bytes :func:`render_figure` returns.
    """
    payload = render_figure(fig, format, dpi=dpi, tight=tight)
    return f"data:{_MIME[format]};base64,{base64.b64encode(payload).decode('ascii')}"
