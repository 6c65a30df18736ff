"""Tables as HTML, for notebooks and HTML reports (figures: :mod:`factorlab.plotting._charts`).

``table_to_html`` writes a self-contained table: the styling is an inline
``<style>`` block scoped to a class unique to the table, so it needs no
external CSS. A :class:`HeatCells` table (each cell coloured by its value,
a heatmap the browser draws as text) is written by pandas' ``Styler``.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["HeatCells", "RowFormats", "format_table", "table_to_html"]

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


_HEAT_CSS = """
.{cls} td {{ padding: 3px 7px; border: 1px solid #fff; }}
.{cls} .fl-legend {{ font-weight: 400; font-size: 11px; color: #555; }}
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


class RowFormats:
    """Number formats by row, for tables whose rows carry different units (a headline of IC values,
    percent returns, Sharpe ratios and counts): ``RowFormats({"annual return": "{:+.2%}"}, default="{:.4f}")``.

    Pass it as ``fmt=`` of :func:`table_to_html`; rows it does not name use ``default``.
    """

    def __init__(self, formats: Mapping[object, Formatter], default: Formatter = "{:,.3f}") -> None:
        self.formats = {row: _as_callable(spec, f"row {row!r}") for row, spec in formats.items()}
        self.default = _as_callable(default, "the other rows")

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The table as strings, each row in its format (non-numbers as they are)."""
        out = {}
        for column in frame.columns:
            values = []
            for row, value in frame[column].items():
                if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                    values.append(self.formats.get(row, self.default)(value))
                else:
                    values.append("" if value is None else str(value))
            out[column] = values
        return pd.DataFrame(out, index=frame.index, columns=frame.columns)


class HeatCells:
    """Cells coloured by their value on one diverging scale, the number written in each: a heatmap
    drawn by the browser as a table (crisp, selectable text; no image).

    Pass it as ``fmt=`` of :func:`table_to_html`: every numeric cell gets the
    background colour ``cmap`` gives its value on ``[vmin, vmax]`` (values
    outside take the end colours), white text where that colour is dark
    (luminance below 0.5, the rule of the heatmaps' cell labels), and its
    number in ``fmt`` without the minus sign of a value that rounds to zero.
    Missing values are empty, uncoloured cells.

    Parameters
    ----------
    vmin, vmax : float
        The colour scale (finite, ``vmin < vmax``).
    cmap : str
        A matplotlib colormap name.
    fmt : str
        Number format spec ('.2f').
    legend : str, optional
        One line under the caption that says what the colours mean.
    """

    def __init__(self, vmin: float, vmax: float, *, cmap: str = "coolwarm_r", fmt: str = ".2f",
                 legend: str | None = None) -> None:
        from matplotlib import colormaps

        for name, value in (("vmin", vmin), ("vmax", vmax)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(value):
                raise ParameterError(f"HeatCells {name} must be a finite number, got {value!r}")
        if not vmin < vmax:
            raise ParameterError(f"HeatCells needs vmin < vmax, got {vmin!r} and {vmax!r}")
        if cmap not in colormaps:
            raise ParameterError(f"HeatCells cmap {cmap!r} is not a matplotlib colormap")
        try:
            format(1.5, fmt)
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"HeatCells fmt {fmt!r} is not a number format: {exc}") from exc
        if legend is not None and not isinstance(legend, str):
            raise ParameterError(f"HeatCells legend must be a string or None, got {type(legend).__name__}")
        self.vmin, self.vmax, self.cmap, self.fmt, self.legend = float(vmin), float(vmax), cmap, fmt, legend

    def _mappable(self):
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        return ScalarMappable(norm=Normalize(self.vmin, self.vmax), cmap=self.cmap)

    def cell_styles(self, frame: pd.DataFrame) -> pd.DataFrame:
        """CSS of each cell ('background-color: #rrggbb; color: white'); '' for a missing value."""
        from matplotlib.colors import to_hex

        from factorlab.plotting._style import cell_text_colors

        values = frame.to_numpy(dtype="float64", na_value=np.nan)
        mappable = self._mappable()
        colours = mappable.to_rgba(values.ravel())
        text = cell_text_colors(mappable, values.ravel())
        css = [f"background-color: {to_hex(c)}; color: {t}" if np.isfinite(v) else ""
               for c, t, v in zip(colours, text, values.ravel())]
        return pd.DataFrame(np.array(css, dtype=object).reshape(values.shape), index=frame.index,
                            columns=frame.columns)

    def label(self, value: object) -> str:
        """The text of one cell."""
        from factorlab.plotting._style import cell_label

        if value is None or pd.isna(value) or not np.isfinite(value):
            return ""
        return cell_label(float(value), self.fmt)

    @staticmethod
    def check(frame: pd.DataFrame) -> None:
        """Refuse a table with a column that is not numbers (ParameterError naming the columns)."""
        other = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)
                 or pd.api.types.is_bool_dtype(frame[c].dtype)]
        if other:
            raise ParameterError(f"a HeatCells table must have numeric columns only, got {other}")

    def to_html(self, frame: pd.DataFrame, *, cls: str, title: str | None) -> str:
        """The coloured table (``Styler.to_html``) with the classes of :func:`table_to_html`."""
        self.check(frame)
        styler = (frame.style.format(self.label).format_index(escape="html", axis=0)
                  .format_index(escape="html", axis=1).apply(self.cell_styles, axis=None)
                  .set_uuid(cls).set_table_attributes(f'class="fl-table fl-heat {cls}"'))
        caption = html.escape(title) if title is not None else ""
        if self.legend:
            caption += f'<br><span class="fl-legend">{html.escape(self.legend)}</span>'
        if caption:
            styler = styler.set_caption(caption)
        return styler.to_html(doctype_html=False)


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


def format_table(df: pd.DataFrame | pd.Series,
                 fmt: Formatter | Mapping[object, Formatter] | RowFormats | HeatCells | None = None) -> pd.DataFrame:
    """The table as text cells, each number in its format: what :func:`table_to_html` shows, for a
    console or a log (``print(format_table(ts.tables[name], ts.formats.get(name)).to_string())``).

    ``fmt`` as in :func:`table_to_html`; missing values are empty strings.
    """
    if isinstance(df, pd.Series):
        df = df.to_frame(name=df.name if df.name is not None else "value")
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"df must be a pandas DataFrame or Series, got {type(df).__name__}")
    if isinstance(fmt, RowFormats):
        return fmt.apply(df)
    if isinstance(fmt, HeatCells):
        fmt.check(df)
        return df.apply(lambda column: column.map(fmt.label)).astype(object)
    formatters = _formatters(df, fmt)
    out = {}
    for column in df.columns:
        apply = formatters.get(column)
        out[column] = [("" if pd.isna(v) else str(v)) if apply is None else apply(v) for v in df[column]]
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def table_to_html(df: pd.DataFrame | pd.Series, *, title: str | None = None,
                  fmt: Formatter | Mapping[object, Formatter] | RowFormats | HeatCells | None = None) -> str:
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
        value -> str, a dict column -> either, :class:`RowFormats` for
        formats by row, or :class:`HeatCells` for cells coloured by value
        (written by pandas' ``Styler``). Default: floats with three
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
    if isinstance(fmt, RowFormats):
        df, fmt = fmt.apply(df), {}
    digest = hashlib.sha1((df.to_csv() + repr(title)).encode("utf-8")).hexdigest()[:10]
    cls = f"fl-table-{digest}"
    if isinstance(fmt, HeatCells):
        return f"<style>{_CSS.format(cls=cls)}{_HEAT_CSS.format(cls=cls)}</style>\n" + fmt.to_html(df, cls=cls,
                                                                                                 title=title)
    formatters = _formatters(df, fmt)
    body = df.to_html(formatters=formatters, na_rep="", border=0, classes=["fl-table", cls], escape=True)
    if title is not None:
        body = body.replace(">\n", f">\n  <caption>{html.escape(title)}</caption>\n", 1)
    return f"<style>{_CSS.format(cls=cls)}</style>\n{body}"
