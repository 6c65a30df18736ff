"""The TearSheet container: named tables and figures in sections, inline and as HTML."""

from __future__ import annotations

import base64
import html
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from factorlab.errors import FactorlabError, ParameterError, StatisticUnavailableWarning
from factorlab.plotting import figure_to_data_uri, table_to_html
from factorlab.plotting._charts import Chart, Figures
from factorlab.report._model import (
    DEFAULT_DPI,
    DEFAULT_IMAGE_FORMAT,
    Section,
    check_image_options,
    write_html,
)

__all__ = ["Section", "TearSheet"]  # Section: the report model's (factorlab.report.Section)

_PAGE = jinja2.Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title|e }}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 32px; }
.fl-fig { display: inline-block; margin: 6px; vertical-align: top; }
.fl-fig img { max-width: 100%; }
.fl-table { display: inline-block; margin: 6px 18px 6px 0; vertical-align: top; }
.fl-notes { color: #555; font-size: 13px; }
.fl-verdict { background: #f4f7fb; border-left: 4px solid #3b6ea5; padding: 4px 16px; margin: 8px 0 16px 0; }
.fl-verdict h2 { margin-top: 8px; border: none; }
</style></head>
<body>
{{ body }}
</body></html>
""", autoescape=False)

#: What real data can make a chart fail with (an empty or constant series, a singular fit): the chart is
#: replaced by a one-line note and listed in the ``unavailable`` table; other exceptions are bugs.
CHART_FAILURES = (FactorlabError, ArithmeticError, ValueError)


def _placeholder(text: str) -> str:
    """An SVG data URI with one line of text, standing in for a chart that could not be drawn."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="60"><rect width="640" height="60" '
           'fill="#f6f6f6"/><text x="12" y="35" font-family="sans-serif" font-size="14" fill="#555">'
           f"{html.escape(text[:110])}</text></svg>")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@dataclass(eq=False)
class TearSheet:
    """Tables (DataFrames) and figures (matplotlib Figures) by name, grouped in sections.

    A :class:`factorlab.report.Report` (the one report model it shares with
    the returns and backtest reports). Display it in a notebook as the last
    expression of a cell (or call :meth:`show`); write it with
    :meth:`to_html`. Nothing is printed.

    Attributes
    ----------
    title : str
    tables : dict name -> pd.DataFrame
    figures : Figures (a mapping) name -> matplotlib.figure.Figure
        A chart's Figure is built the first time it is asked for, then kept;
        once built, the tear sheet's images show it as it is (with any
        changes made to it). Each image is what ``Figure.savefig`` writes at
        ``dpi`` (an image of a chart not asked for is drawn on a new Figure
        that is dropped afterwards).
    sections : dict key -> Section
        In display order.
    notes : list of str
        Remarks shown under the title (annualisation assumptions, data quality).
    verdict : FactorVerdict or None
        Whether the factor works, per horizon (:func:`factorlab.factor_verdict`),
        shown first when the summary section was built.
    image_format : {'png', 'svg'}
        Format of the embedded images.
    dpi : int
        Their resolution (an integer in [20, 400]).
    """

    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: Figures = field(default_factory=Figures)
    sections: dict[str, Section] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    formats: dict[str, object] = field(default_factory=dict, repr=False)
    dpi: int = DEFAULT_DPI
    _images: dict[tuple, str] = field(default_factory=dict, repr=False)
    image_format: str = DEFAULT_IMAGE_FORMAT
    verdict: object = field(default=None, repr=False)
    options: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.image_format, self.dpi = check_image_options(self.image_format, self.dpi)
        if not isinstance(self.figures, Figures):
            self.figures = Figures(self.figures)

    # ------------------------------------------------------------------ building
    def section(self, key: str, title: str) -> Section:
        """Start (or return) a section."""
        if key not in self.sections:
            self.sections[key] = Section(key, title)
        return self.sections[key]

    def add_table(self, section: str, name: str, table: pd.DataFrame | pd.Series, fmt=None) -> None:
        """Add a table under ``section`` (which must exist)."""
        self.tables[name] = table.to_frame() if isinstance(table, pd.Series) else table
        if fmt is not None:
            self.formats[name] = fmt
        self.sections[section].items.append(("table", name))

    def add_figure(self, section: str, name: str, fig: Figure) -> None:
        """Add a figure under ``section`` (which must exist)."""
        self.figures[name] = fig
        self.sections[section].items.append(("figure", name))

    def add_chart(self, section: str, name: str, chart: Chart) -> None:
        """Add a figure under ``section`` as a :class:`Chart` (built when first asked for)."""
        self.figures[name] = chart
        self.sections[section].items.append(("figure", name))

    # ------------------------------------------------------------------ access
    def __getitem__(self, name: str) -> pd.DataFrame | Figure:
        if name in self.tables:
            return self.tables[name]
        if name in self.figures:
            return self.figures[name]
        raise KeyError(f"no table or figure named {name!r}; tables: {sorted(self.tables)}, "
                       f"figures: {sorted(self.figures)}")

    def subset(self, *keys: str) -> TearSheet:
        """A tear sheet with only the given sections (sharing tables, figures built so far, charts, images)."""
        unknown = [k for k in keys if k not in self.sections]
        if unknown:
            raise ParameterError(f"unknown section(s) {unknown}; available: {list(self.sections)}")
        out = TearSheet(title=self.title, notes=list(self.notes), formats=self.formats, dpi=self.dpi,
                        _images=self._images, image_format=self.image_format,
                        verdict=self.verdict if "summary" in keys else None)
        for k in keys:
            sec = self.sections[k]
            out.sections[k] = Section(sec.key, sec.title, list(sec.items))
            for kind, name in sec.items:
                if kind == "table":
                    out.tables[name] = self.tables[name]
                else:
                    out.figures[name] = self.figures.entry(name)
        return out

    # ------------------------------------------------------------------ rendering
    def _image(self, name: str) -> str:
        """Data URI of a figure: a chart not built as a Figure is drawn once on a new Figure (dropped
        afterwards) and its image kept; a built (or given) Figure is written each time, so changes show."""
        entry = self.figures.entry(name)
        if not isinstance(entry, Chart):
            # the tear sheet's figures have fixed margins: no tight crop (it draws each figure twice)
            return figure_to_data_uri(entry, self.image_format, dpi=self.dpi, tight=False)
        key = (name, self.image_format, self.dpi)
        if key not in self._images:
            try:
                fig = entry.figure()
            except CHART_FAILURES as exc:  # one chart that cannot be drawn on this data: said, not fatal
                reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                warnings.warn(f"chart {name!r} could not be drawn on this data and is left out ({reason})",
                              StatisticUnavailableWarning, stacklevel=3)
                row = pd.DataFrame({"section": [self._section_of(name)], "statistic": [f"chart {name}"],
                                    "reason": [reason]})
                self.tables["unavailable"] = (pd.concat([self.tables["unavailable"], row], ignore_index=True)
                                              if "unavailable" in self.tables else row)
                self._images[key] = _placeholder(f"{name}: not drawn ({reason})")
            else:
                self._images[key] = figure_to_data_uri(fig, self.image_format, dpi=self.dpi, tight=False)
        return self._images[key]

    def _section_of(self, name: str) -> str:
        return next((k for k, sec in self.sections.items() if ("figure", name) in sec.items), "")

    def _body(self) -> str:
        return self._compose()

    def _compose(self) -> str:
        parts = [f"<h1>{html.escape(self.title)}</h1>"]
        if self.verdict is not None:
            parts.append('<div class="fl-verdict"><h2>Verdict</h2><ul>' + "".join(
                f"<li><b>{html.escape(str(label))}</b>: {html.escape(text)}</li>"
                for label, text in self.verdict.sentences.items()) + "</ul></div>")
        if self.notes:
            parts.append('<ul class="fl-notes">' + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
                         + "</ul>")
        for sec in self.sections.values():
            parts.append(f'<section id="{sec.key}"><h2>{html.escape(sec.title)}</h2>')
            for kind, name in sec.items:
                if kind == "table":
                    parts.append(f'<div class="fl-table" id="table-{name}">'
                                 + table_to_html(self.tables[name], title=name.replace("_", " "),
                                                 fmt=self.formats.get(name)) + "</div>")
                else:
                    parts.append(f'<div class="fl-fig" id="figure-{name}"><img alt="{html.escape(name)}" '
                                 f'src="{self._image(name)}"></div>')
            parts.append("</section>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self._body()

    def to_html(self, path: str | Path | None = None) -> str:
        """One self-contained HTML page (figures embedded as ``image_format``); also written to ``path``
        (UTF-8) when given.

        Returns
        -------
        str
            The HTML.
        """
        return write_html(_PAGE.render(title=self.title, body=self._body()), path)

    def show(self) -> None:
        """Display inline in a notebook (IPython), or do nothing outside one."""
        try:
            from IPython.display import HTML, display
        except ImportError:  # pragma: no cover - IPython ships with Jupyter
            return
        display(HTML(self._body()))

    def __repr__(self) -> str:
        secs = ", ".join(f"{s.key}({len(s.items)})" for s in self.sections.values())
        return f"TearSheet({self.title!r}: {len(self.tables)} tables, {len(self.figures)} figures; {secs})"
