"""The HTML report in headless Chromium: every image decodes, every section is present.

Skipped when /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factorlab.report import create_returns_tear_sheet

CHROMIUM = Path("/usr/bin/chromium")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
          "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
# Runs after the images have loaded: marks the body with the count of broken images and the section ids.
_PROBE = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  var ids = Array.prototype.map.call(document.querySelectorAll('section[id]'), function (s) { return s.id; });
  document.body.setAttribute('data-images', String(imgs.length));
  document.body.setAttribute('data-broken', String(broken.length));
  document.body.setAttribute('data-sections', ids.join(','));
  var report = document.querySelector('.fl-report').getBoundingClientRect();
  var boxes = imgs.filter(function (i) { return i.alt; }).map(function (i) {
    var r = i.getBoundingClientRect();
    return i.alt + ':' + [r.left - report.left, r.top, r.width, report.width].map(Math.round).join(' ');
  });
  document.body.setAttribute('data-layout', boxes.join('|'));
});
</script>
"""


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), *_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module", params=["svg", "png"])
def report_file(request, tmp_path_factory) -> tuple[Path, object]:
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium not found at /usr/bin/chromium (apt-get install chromium)")
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2010-01-04", periods=2520)
    bench = pd.Series(rng.normal(0.0004, 0.011, len(idx)), idx, name="benchmark")
    strat = pd.Series(0.8 * bench.to_numpy() + rng.normal(0.0002, 0.008, len(idx)), idx, name="strategy")
    pos = pd.DataFrame({"A": 60.0, "B": -40.0, "cash": 80.0}, index=idx)
    trades = pd.Series(rng.normal(0.002, 0.03, 300))
    sheet = create_returns_tear_sheet(strat, bench, positions=pos, trades=trades, periods_per_year=252,
                                      parameters={"lookback": 20, "universe": "synthetic"},
                                      image_format=request.param)
    html = sheet.to_html().replace("</body>", _PROBE + "</body>")
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path, sheet


def test_report_renders_in_chromium(report_file, tmp_path):
    path, sheet = report_file
    shot = tmp_path / "report.png"
    done = _chromium([f"--screenshot={shot}", "--window-size=1200,3000", path.as_uri()], tmp_path / "p1")
    assert shot.exists() and shot.stat().st_size > 20_000, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    dom = _chromium(["--dump-dom", "--virtual-time-budget=5000", path.as_uri()], tmp_path / "p2").stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None, dom[:500]
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    expected_images = sum(v is not None for v in sheet.images.values()) + len(sheet.crisis)
    assert attrs.get("broken") == "0", attrs
    assert int(attrs["images"]) == expected_images
    sections = attrs["sections"].split(",")
    assert sections == ["kpi", "returns", "trades", "drawdowns", "rolling", "exposure", "crisis",
                        "statistics", "parameters"]


def test_probe_detects_a_broken_image(report_file, tmp_path):
    path, _sheet = report_file
    broken = tmp_path / "broken.html"
    broken.write_text(path.read_text(encoding="utf-8").replace(
        '<section id="kpi"', '<img src="data:image/png;base64,AAAA"><section id="kpi"', 1), encoding="utf-8")
    dom = _chromium(["--dump-dom", "--virtual-time-budget=5000", broken.as_uri()], tmp_path / "p3").stdout
    assert 'data-broken="1"' in dom


def test_layout_uses_the_page_width(report_file, tmp_path):
    """Two columns: the cumulative chart spans the report, the annual bars and the distribution (and the
    two drawdown charts) sit side by side, each about half of it."""
    path, _sheet = report_file
    dom = _chromium(["--dump-dom", "--virtual-time-budget=5000", "--window-size=1400,3000", path.as_uri()],
                    tmp_path / "p4").stdout
    layout = re.search(r'data-layout="([^"]*)"', dom)
    assert layout is not None, dom[:500]
    boxes = {}
    for item in layout.group(1).split("|"):
        alt, numbers = item.rsplit(":", 1)
        boxes[alt] = [float(v) for v in numbers.split()]
    left, _top, width, page = boxes["Cumulative returns"]
    assert width > 0.9 * page
    for a, b in (("Annual returns", "Return distribution"), ("Top drawdown periods", "Underwater")):
        la, ta, wa, _ = boxes[a]
        lb, tb, wb, _ = boxes[b]
        assert ta == pytest.approx(tb, abs=2) and lb > la + wa - 1  # same row, b right of a
        assert 0.4 * page < wa < 0.55 * page and 0.4 * page < wb < 0.55 * page
