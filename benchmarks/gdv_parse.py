"""GDV parse rate and peak memory for a generated ~30 MB and ~300 MB portfolio file.

The file is generated with the project's writer (templates per line of business, varied per
contract): Hausrat, Wohngebäude, Haftpflicht, Unfall and Kfz contracts with their customer
records, several data packages, and a few malformed records (bad dates, bad numbers, unknown
record types). Each size is parsed in a fresh process that reads every record with every field
decoded to its typed value; it reports logical records/s, physical lines/s, MB/s and the
process's peak RSS (and, with --tracemalloc, the Python heap peak, which slows the run).

The reader decodes fields with its compiled decoder (built at install); ``--decoders python``
measures its Python decoders instead, ``--decoders both`` alternates the two round by round.

Prints JSON. Usage:
    python benchmarks/gdv_parse.py [--sizes 30,300] [--rounds 3] [--decoders compiled|python|both]
        [--tracemalloc] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from kontor.exchange.gdv import GdvFileBuilder, layouts, new_record, read_records, render_record

CONTRACTS_PER_PACKAGE = 2_000
MALFORMED_EVERY = 1_500


def _templates() -> list[list[str]]:
    """Return the lines of one contract per line of business (customer, contract, details)."""
    kinds: list[list[tuple[str, dict[str, Any]]]] = []
    common_customer: dict[str, Any] = {
        "name1": "Mustermann",
        "name3": "Erika",
        "plz": "52222",
        "ort": "Stolberg (Rhld.)",
        "str": "Sebeneteriestr. 44",
        "geburtsdatum": date(1979, 11, 11),
        "personen_kunden_nr_versicherers": "K000000001",
        "kommunikationstyp1": "10",
        "kommunikations_nr1": "02402 123456",
    }

    def contract(sparte: int, premium: str) -> dict[str, Any]:
        return {
            "sparte": sparte,
            "vertragsbeginn": date(2020, 1, 1),
            "vertragsablauf": date(2030, 1, 1),
            "hauptfaelligkeit": date(2021, 1, 1),
            "zahlungsweise": "1",
            "vertragsstatus": "1",
            "waehrungsschluessel": "EUR",
            "gesbeitrag_netto_in_we": Decimal(premium),
            "gesbeitrag_brutto_in_we": (Decimal(premium) * Decimal("1.19")).quantize(
                Decimal("0.01")
            ),
            "antragsdatum": date(2019, 12, 1),
        }

    kinds.append(
        [
            ("0100", common_customer),
            ("0200", contract(130, "120.50")),
            ("0210.130", {"versicherte_gefahren": "FELS", "wohnflaeche_qm": 85,
                          "gesbeitrag_in_we": Decimal("120.50"), "beginn": date(2020, 1, 1)}),
            ("0220.130", {"beginn": date(2020, 1, 1), "beitrag_in_we": Decimal("120.50"),
                          "versssumme_entschaedigungsgrenze_in_we": 65000}),
        ]
    )  # fmt: skip
    kinds.append(
        [
            ("0100", common_customer),
            ("0200", contract(140, "480.00")),
            ("0210.140", {"beginn": date(2020, 1, 1), "gesbeitrag_in_we": Decimal("480.00")}),
            ("0220.140", {"beginn": date(2020, 1, 1), "baujahr": 1972, "risikoort": "Aachen",
                          "beitrag_aktuell_in_we": Decimal("480.00"), "objektbeschreibung": "EFH"}),
        ]
    )  # fmt: skip
    kinds.append(
        [
            ("0100", common_customer),
            ("0200", contract(40, "65.90")),
            ("0210.040", {}),
            ("0220.040", {}),
        ]
    )
    kinds.append(
        [
            ("0100", common_customer),
            ("0200", contract(30, "210.00")),
            ("0210.030", {}),
            ("0220.030", {}),
        ]
    )
    kinds.append(
        [
            ("0100", common_customer),
            ("0200", contract(50, "734.20")),
            ("0210.050", {}),
            ("0220.051", {}),
        ]
    )
    templates = []
    for kind in kinds:
        lines: list[str] = []
        for record_type, fields in kind:
            values = {"vu_nr": "9999", "geschaeftsstelle_vermittler": "0815", "vs_nr": "X"}
            values.update(fields)
            known = {
                item.key
                for part in new_record(record_type, {}).layout.parts.values()  # type: ignore[union-attr]
                for item in part.fields
            }
            values = {key: value for key, value in values.items() if key in known}
            lines.extend(render_record(new_record(record_type, values)).splitlines())
        templates.append(lines)
    return templates


def _package_lines(templates: list[list[str]], start: int, count: int) -> Iterator[str]:
    for number in range(start, start + count):
        lines = templates[number % len(templates)]
        vs_nr = f"{number:017d}"
        # values differ per contract as in real portfolios: birth date, start, premium
        born = f"{1 + number % 28:02d}{1 + number % 12:02d}{1940 + number % 60}"
        start = f"01{1 + number % 12:02d}{2000 + number % 26}"
        premium = f"{5_000 + number * 7 % 200_000:012d}"
        for line in lines:
            line = line[:13] + vs_nr + line[30:]
            if line[:4] == "0100" and line[255] == "1":
                line = line[:225] + born + line[233:]
            elif line[:4] == "0200" and line[255] == "1":
                line = line[:43] + start + line[51:115] + premium + line[127:]
                if number % MALFORMED_EVERY == 0:
                    line = line[:43] + "31022021" + line[51:]  # 31 February
            yield line
        if number % (MALFORMED_EVERY * 3) == 1:
            yield "0777" + "?" * 252  # unknown record type


def generate(path: Path, megabytes: float) -> dict[str, Any]:
    """Write a file of about ``megabytes`` MB with correct Vorsatz/Nachsatz per package."""
    templates = _templates()
    target = int(megabytes * 1_000_000)
    written = packages = contracts = lines_total = 0
    with path.open("wb") as out:
        while written < target:
            packages += 1
            builder = GdvFileBuilder(
                vu_nr="9999",
                absender="Muster Versicherung AG",
                adressat="Makler Müller",
                erstellt=date(2026, 12, 1),
                vermittler="0815",
            )
            head = render_record(builder.build()[0]).encode("iso-8859-1")
            out.write(head)
            body = list(_package_lines(templates, contracts, CONTRACTS_PER_PACKAGE))
            contracts += CONTRACTS_PER_PACKAGE
            premium = sum(
                (
                    Decimal(int(line[115:127])).scaleb(-2)
                    for line in body
                    if line[:4] == "0200" and line[255] == "1"
                ),
                Decimal("0.00"),
            )
            data = ("\n".join(body) + "\n").encode("iso-8859-1")
            out.write(data)
            tail = new_record(
                "9999",
                {
                    "anz_saetze": len(body),
                    "gesbeitrag": premium,
                    "geschaeftsstelle_vermittler": "0815",
                },
            )
            out.write(render_record(tail).encode("iso-8859-1"))
            written += len(head) + len(data) + 257
            lines_total += len(body) + 2
    return {"bytes": path.stat().st_size, "packages": packages, "contracts": contracts,
            "lines": lines_total}  # fmt: skip


def parse(path: Path, use_tracemalloc: bool, decoders: str) -> dict[str, Any]:
    """Read every record of ``path``; return counts, seconds and peak memory."""
    if decoders == "python":
        layouts._fields = None  # type: ignore[assignment]  # as if installed without a compiler
    elif not layouts.COMPILED_DECODING:
        raise SystemExit("the compiled decoder is not built: pip install -e . (needs a C compiler)")
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    records = lines = warnings = 0
    reader = read_records(path)
    for record in reader:
        records += 1
        lines += len(record.parts)
        warnings += len(record.warnings)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    result = {
        "records": records,
        "lines": lines,
        "warnings": warnings,
        "packages": len(reader.packages),
        "nachsatz_checks_ok": all(c["ok"] for p in reader.packages for c in p.checks),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "records_per_s": round(records / seconds),
        "lines_per_s": round(lines / seconds),
        "records_per_cpu_s": round(records / cpu),
        "lines_per_cpu_s": round(lines / cpu),
        "mb_per_s": round(path.stat().st_size / 1e6 / seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
    }
    if use_tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 2)
    return result


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB.

    Linux's VmHWM belongs to the process's own address space; ``ru_maxrss`` would also count the
    parent's memory at the fork that started this process.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(peak.split()[1]) / 1024, 1)  # "VmHWM:   45056 kB"


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "median_records_per_s": statistics.median(run["records_per_s"] for run in runs),
        "median_lines_per_s": statistics.median(run["lines_per_s"] for run in runs),
        "median_records_per_cpu_s": statistics.median(run["records_per_cpu_s"] for run in runs),
        "median_lines_per_cpu_s": statistics.median(run["lines_per_cpu_s"] for run in runs),
        "best": max(runs, key=lambda run: run["records_per_cpu_s"]),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
    }


def main() -> None:
    """Generate the files, parse each in fresh processes, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="30,300", help="file sizes in MB, comma separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    parser.add_argument(
        "--decoders",
        default="compiled",
        help="compiled, python or both (both: each round reads with one, then the other)",
    )
    parser.add_argument("--parse-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parse_only:
        print(json.dumps(parse(args.parse_only, args.tracemalloc, args.decoders)))
        return
    decoders = ["compiled", "python"] if args.decoders == "both" else [args.decoders]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="gdv-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for size in [float(item) for item in args.sizes.split(",")]:
        path = folder / f"bestand-{size:g}mb.gdv"
        started = time.perf_counter()
        generated = generate(path, size)
        generated["generate_seconds"] = round(time.perf_counter() - started, 1)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in decoders}
        for _ in range(args.rounds):
            for name in decoders:
                command = [sys.executable, __file__, "--parse-only", str(path), "--decoders", name]
                if args.tracemalloc:
                    command.append("--tracemalloc")
                output = subprocess.run(command, check=True, capture_output=True, text=True)
                runs[name].append(json.loads(output.stdout))
        for name in decoders:
            results.append({"size_mb": size, "decoders": name, "file": generated,
                            **_summary(runs[name])})  # fmt: skip
        if not args.keep:
            path.unlink()
    if not args.keep:
        os.rmdir(folder)
    print(json.dumps({"benchmark": "gdv_parse", "python": sys.version.split()[0],
                      "load_average": os.getloadavg(), "results": results}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
