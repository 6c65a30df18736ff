"""The ``factorlab`` command line. It only parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

__all__ = ["main"]


def _quickstart(args: argparse.Namespace) -> int:
    import factorlab as fl

    sample = fl.load_sample()
    prices = sample.prices
    factor = -(prices / prices.shift(5) - 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fd = fl.prepare_factor_data(factor, prices, periods=(1, 5, 10), quantiles=5, groupby=sample.sectors)
        sheet = fl.create_full_tear_sheet(fd, by_group=True, benchmark=sample.benchmark, cost_bps=args.cost_bps)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 120)
    print(f"factorlab quickstart: 5-day reversal on the bundled sample "
          f"({prices.shape[1]} S&P 500 stocks, {prices.index[0].date()} .. {prices.index[-1].date()})")
    print(f"\n{fd!r}")
    for w in caught:
        print(f"note: {w.message}")
    for name in ("headline", "ic_summary", "returns_table", "turnover"):
        print(f"\n== {name} ==")
        print(sheet.tables[name].to_string(float_format=lambda v: f"{v:.4f}"))
    for name, table in sheet.tables.items():
        table.to_csv(out / f"{name}.csv")
    html = sheet.to_html(out / "tearsheet.html")
    print(f"\nfull tear sheet ({len(sheet.figures)} figures, {len(sheet.tables)} tables): {html.resolve()}")
    print(f"tables as CSV in {out.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factorlab", description="Factor research from tear sheet to backtest.")
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quickstart", help="analyse a 5-day reversal factor on the bundled sample",
                       description="Full tear sheet of a 5-day reversal factor on the bundled sample: "
                                   "prints the headline tables, writes tearsheet.html and CSV tables.")
    q.add_argument("--out", default="factorlab_output",
                   help="folder for tearsheet.html and the CSV tables (default: %(default)s)")
    q.add_argument("--cost-bps", type=float, default=10.0,
                   help="cost in bps of traded notional for the net-of-cost headline (default: %(default)s)")
    q.set_defaults(func=_quickstart)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``factorlab`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
