"""Regenerate the GDV layout data from the VUVM format descriptions.

Usage: python scripts/gdv_layouts.py ../shared/gdv/spec/VUVM2018.xml ../shared/gdv/spec/VUVM2023.xml

Writes one JSON file per description to ``src/kontor/exchange/gdv/layouts/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kontor.exchange.gdv.layout_build import build_layouts, dump_layouts

TARGET = Path(__file__).resolve().parent.parent / "src" / "kontor" / "exchange" / "gdv" / "layouts"


def main(paths: list[str]) -> int:
    """Convert each given description and write its JSON next to the reader."""
    if not paths:
        print(__doc__)
        return 2
    for path in map(Path, paths):
        data = build_layouts(path.read_bytes(), path.name)
        target = TARGET / f"{path.stem}.json"
        target.write_text(dump_layouts(data), encoding="utf-8")
        print(f"{path.name}: {len(data['record_types'])} record types -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
