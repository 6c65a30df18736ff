"""Tables as HTML and figures as bytes, for notebooks and HTML reports.

``table_to_html`` writes a self-contained table: the styling is an inline
``<style>`` block scoped to a class unique to the table, so it needs no
external CSS (and no jinja2, which pandas' Styler would require).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting._checks import check_option
from factorlab.plotting._png import rgba_to_png

__all__ = ["figure_to_data_uri", "figure_to_png_bytes", "figure_to_svg", "table_to_html"]

Formatter = str | Callable[[object], str]

_CSS = """
.{cls} {{ border-collapse: collapse; font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
  font-size: 12px; margin: 0.5em 0; }}
.{cls} caption {{ caption-side: top; text-align: left; font-weight: 600; font-size: 13px;
  padding: 4px 0; }}
.{cls} th, .{cls} td {{ padding: 3px 10px; border-bottom: 1px solid #e0e0e0; }}
.{cls} thead th {{ border-bottom: 2px solid #555; text-align: right; }}
.{cls} tbody th {{ text-align: left; font-weight: 600; }}
.{cls} td {{ text-align: right; font-variant-numeric: tabular-nums; }}
.{cls} tbody tr:nth-child(even) {{ background: #f6f6f6; }}
"""


def _as_callable(spec: Formatter, where: str) -> Callable[[object], str]:
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise ParameterError(f"fmt for {where} must be a format string or a callable, "
                             f"got {type(spec).__name__}")
    template = spec if "{" in spec else "{:" + spec + "}"
    try:
        template.format(1.5)
    except (ValueError, IndexError, KeyError) as exc:
        raise ParameterError(f"fmt {spec!r} for {where} is not a valid number format: {exc}") from exc

    def apply(value: object) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        try:
            return template.format(value)
        except (ValueError, TypeError):
            return str(value)

    return apply


def _formatters(frame: pd.DataFrame, fmt: Formatter | Mapping[object, Formatter] | None
                ) -> dict[object, Callable[[object], str]]:
    numeric = [c for c, dt in frame.dtypes.items()
               if pd.api.types.is_float_dtype(dt)]
    if fmt is None:
        return {c: _as_callable("{:,.3f}", str(c)) for c in numeric}
    if isinstance(fmt, Mapping):
        unknown = [str(c) for c in fmt if c not in frame.columns]
        if unknown:
            raise ParameterError(f"fmt names column(s) not in the table: {', '.join(unknown)}")
        return {c: _as_callable(spec, f"column {c!r}") for c, spec in fmt.items()}
    apply = _as_callable(fmt, "the table")
    return {c: apply for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c].dtype)}


def table_to_html(df: pd.DataFrame | pd.Series, *, title: str | None = None,
                  fmt: Formatter | Mapping[object, Formatter] | None = None) -> str:
    """Render a table as self-contained, styled HTML.

    Parameters
    ----------
    df : pd.DataFrame or pd.Series
        The table; a Series becomes one column. Not modified.
    title : str, optional
        Caption shown above the table (HTML-escaped).
    fmt : str, callable or dict, optional
        Number format: a format spec ('.3f', '.2%') or template
        ('{:,.0f} bps') applied to every numeric column, a callable
        value -> str, or a dict column -> either. Default: floats with three
        decimals and a thousands separator; other columns as they are.
        Missing values show as empty cells.

    Returns
    -------
    str
        ``<style>`` block (scoped to this table's class) followed by the
        ``<table>``; deterministic for the same input.
    """
    if isinstance(df, pd.Series):
        df = df.to_frame(name=df.name if df.name is not None else "value")
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"df must be a pandas DataFrame or Series, got {type(df).__name__}")
    if title is not None and not isinstance(title, str):
        raise ParameterError(f"title must be a string or None, got {type(title).__name__}")
    formatters = _formatters(df, fmt)
    digest = hashlib.sha1((df.to_csv() + repr(title)).encode("utf-8")).hexdigest()[:10]
    cls = f"fl-table-{digest}"
    body = df.to_html(formatters=formatters, na_rep="", border=0, classes=["fl-table", cls], escape=True)
    if title is not None:
        body = body.replace(">\n", f">\n  <caption>{html.escape(title)}</caption>\n", 1)
    return f"<style>{_CSS.format(cls=cls)}</style>\n{body}"


def _figure(fig: Figure | Axes) -> Figure:
    if isinstance(fig, Axes):
        return fig.figure
    if not isinstance(fig, Figure):
        raise ParameterError(f"fig must be a matplotlib Figure (or Axes), got {type(fig).__name__}")
    return fig


class SharedTextMetrics:
    """Renderer mixin: text metrics (width, height, descent) kept in ``_shared_metrics``, a dict that
    outlives the renderer.

    Text metrics depend only on the string, the font and the dpi; matplotlib's
    own cache lives and dies with each renderer (one per image), so tick
    labels repeated across images were measured again in every image.
    Drawing is untouched: same pixels / same SVG. The dict is emptied when it
    reaches ``_SHARED_METRICS_MAX`` entries.
    """

    _shared_metrics: dict

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath == "TeX":
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, ismath, hash(prop), getattr(self, "dpi", None))  # FontProperties equality is its hash
        cache = self._shared_metrics
        metrics = cache.get(key)
        if metrics is None:
            if len(cache) >= _SHARED_METRICS_MAX:
                cache.clear()
            metrics = cache[key] = super().get_text_width_height_descent(s, prop, ismath)
        return metrics


_SHARED_METRICS_MAX = 20_000


class _SharedMetricsRendererAgg(SharedTextMetrics, RendererAgg):
    """An Agg renderer whose text metrics and text images are shared by every PNG this module draws.

    Text is drawn as matplotlib did up to 3.10: the whole string rasterised
    once by FreeType (``FT2Font.draw_glyphs_to_bitmap``) and placed at the
    nearest whole pixel. matplotlib 3.11 rasterises glyph by glyph at 1/64
    pixel positions in a Python loop, about two thirds of a tear-sheet
    figure's drawing time; here each distinct string (font, size, dpi) is
    rasterised once and reused by every later image (a tear sheet's 500 text
    draws are about 175 distinct strings). Pixels differ from
    ``savefig`` only inside text boxes, by the sub-pixel placement; the rest
    of the image has the same pixels. Mathtext and text with font features or
    a language set go through matplotlib's own drawing. The image dict is
    emptied when it reaches ``_TEXT_IMAGES_MAX`` entries.
    """

    _shared_metrics: dict = {}
    _text_images: dict = {}

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or (mtext is not None and (_attr(mtext, "get_fontfeatures") is not None
                                             or _attr(mtext, "get_language") is not None)):
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        antialiased = bool(gc.get_antialiased())
        key = (s, hash(prop), self.dpi, antialiased, get_hinting_flag())
        cache = self._text_images
        entry = cache.get(key)
        if entry is None:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=key[-1])
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            xo, yo = font.get_bitmap_offset()
            if len(cache) >= _TEXT_IMAGES_MAX:
                cache.clear()
            entry = cache[key] = (np.array(font.get_image(), dtype=np.uint8), xo / 64.0, yo / 64.0,
                                  font.get_descent() / 64.0)
        image, xo, yo, descent = entry
        # the descent is measured along the rotated baseline (as matplotlib <= 3.10 placed it)
        xd = descent * math.sin(math.radians(angle))
        yd = descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(image, round(x + xo + xd), round(y + yo + yd) + 1, angle, gc)


def _attr(obj, name):
    """``obj.name()`` when the method exists (matplotlib >= 3.10), else None."""
    method = getattr(obj, name, None)
    return method() if method is not None else None


_TEXT_IMAGES_MAX = 5_000


class _SharedMetricsCanvasAgg(FigureCanvasAgg):
    """:class:`FigureCanvasAgg` drawing with :class:`_SharedMetricsRendererAgg`; PNGs by :func:`rgba_to_png`."""

    def get_renderer(self):
        renderer = super().get_renderer()
        if type(renderer) is RendererAgg:  # a new renderer: the same object with the shared metrics
            renderer.__class__ = _SharedMetricsRendererAgg
        return renderer

    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_print_figure_kwargs):
        """The drawn pixels as PNG: unfiltered rows, zlib level 1 (no metadata text chunks).

        ``print_figure`` has already applied the face and edge colours and dpi it
        also passes here (``facecolor``, ``edgecolor``, ``orientation``,
        ``bbox_inches_restore``, as to matplotlib's own ``print_png``, which ignores them).
        """
        self.draw()
        data = rgba_to_png(np.asarray(self.buffer_rgba()), dpi=self.figure.dpi)
        if hasattr(filename_or_obj, "write"):
            filename_or_obj.write(data)
        else:
            with open(filename_or_obj, "wb") as fh:
                fh.write(data)


def figure_to_png_bytes(fig: Figure | Axes, *, dpi: int = 100, tight: bool = True) -> bytes:
    """PNG image of a figure (or of the figure of an Axes), by default cropped to its content.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    dpi : int
        Resolution in dots per inch.
    tight : bool
        Crop to the drawn content (``bbox_inches='tight'``, which draws the
        figure twice); False keeps the figure's own size and margins, for
        figures laid out with fixed margins (about twice as fast).

    Returns
    -------
    bytes
        The PNG file content. The figure is not closed.
    """
    if not isinstance(dpi, (int, float)) or dpi <= 0:
        raise ParameterError(f"dpi must be a positive number, got {dpi!r}")
    buffer = io.BytesIO()
    fig = _figure(fig)
    previous = fig.canvas
    canvas = _SharedMetricsCanvasAgg(fig)  # as savefig does for PNG: a temporary Agg canvas, then the old one
    try:
        # rows unfiltered, zlib level 1: a third of Pillow's encoding time at its level 1, same size
        canvas.print_figure(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    finally:
        fig.set_canvas(previous)
    return buffer.getvalue()


def figure_to_svg(fig: Figure | Axes) -> str:
    """SVG document of a figure (text), cropped to its content; the figure is not closed.

    The output is deterministic: no date stamp, and element ids are derived
    from a fixed salt (set only for this call, via ``rc_context``).
    """
    buffer = io.BytesIO()
    with plt.rc_context({"svg.hashsalt": "factorlab"}):
        _figure(fig).savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue().decode("utf-8")


def figure_to_data_uri(fig: Figure | Axes, format: str = "png", *, dpi: int = 100, tight: bool = True) -> str:
    """``data:`` URI of a figure for ``<img src=...>`` in a self-contained HTML page.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    format : {'png', 'svg'}
        Image format.
    dpi : int
        Resolution for PNG.
    tight : bool
        Crop to the drawn content (see :func:`figure_to_png_bytes`).

    Returns
    -------
    str
        'data:image/png;base64,...' or 'data:image/svg+xml;base64,...'.
    """
    check_option(format, "format", ("png", "svg"))
    if format == "png":
        payload, mime = figure_to_png_bytes(fig, dpi=dpi, tight=tight), "image/png"
    else:
        payload, mime = figure_to_svg(fig).encode("utf-8"), "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"
