"""``kontor gdv check`` and ``kontor gdv parse`` through the command's entry point."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kontor.cli import app
from support.gdv_files import build_file


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "bestand.gdv"
    path.write_bytes(data)
    return path


def test_check_prints_the_file_summary(tmp_path: Path) -> None:
    lines = build_file().to_bytes().split(b"\n")
    lines[2] = lines[2][:43] + b"31022024" + lines[2][51:]
    path = _file(tmp_path, b"\r\n".join(lines))
    result = CliRunner().invoke(app, ["gdv", "check", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["encoding"] == "iso-8859-1"
    assert report["line_ending"] == "CRLF"
    assert report["lines_per_satzart"] == {
        "0001": 1, "0100": 1, "0200": 2, "0210": 2, "0220": 2, "9999": 1,
    }  # fmt: skip
    assert report["records_per_record_type"]["0210.130"] == 1
    assert report["contracts_per_sparte"] == {"130": 1, "140": 1}
    assert report["packages"][0]["checks"][0] == {
        "field": "anz_saetze", "stated": 7, "actual": 7, "ok": True,
    }  # fmt: skip
    assert report["warning_count"] == 1
    (warning,) = report["warnings"]
    assert (warning["line"], warning["record_type"], warning["field"]) == (
        3,
        "0200",
        "Vertragsbeginn",
    )
    strict = CliRunner().invoke(app, ["gdv", "check", "--strict", str(path)])
    assert strict.exit_code == 1


def test_parse_jsonl_prints_one_record_per_line(tmp_path: Path) -> None:
    path = _file(tmp_path, build_file().to_bytes())
    result = CliRunner().invoke(app, ["gdv", "parse", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["record_type"] for row in rows][:4] == ["0001", "0100", "0200", "0210.130"]
    contract = rows[2]["fields"]
    assert contract["vertragsbeginn"] == "2024-01-01"
    assert contract["gesbeitrag_netto_in_we"] == "120.50"
    assert rows[1]["fields"]["name1"] == "Müßig"
    as_array = CliRunner().invoke(app, ["gdv", "parse", str(path)])
    assert json.loads(as_array.stdout) == rows


def test_not_a_gdv_file_exits_1_naming_the_line(tmp_path: Path) -> None:
    path = _file(tmp_path, b"Name;Vorname\nMuster;Erika\n")
    for command in ("check", "parse"):
        result = CliRunner().invoke(app, ["gdv", command, str(path)])
        assert result.exit_code == 1
        assert "Zeile 1" in result.stderr
        assert "Satzart" in result.stderr


def test_unsupported_encoding_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, build_file().to_bytes())
    result = CliRunner().invoke(app, ["gdv", "check", "--encoding", "koi8-r", str(path)])
    assert result.exit_code == 1
    assert "koi8-r" in result.stderr


def test_the_installed_command_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = _file(tmp_path, build_file().to_bytes(line_ending="\r\n"))
    done = subprocess.run(
        [sys.executable, "-m", "kontor.cli", "gdv", "check", str(path)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.decode("utf-8"))
    assert report["line_ending"] == "CRLF"
    assert report["warning_count"] == 0
