"""Turn a GDV format description (VUVM XML) into the compact layout data the reader uses."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

LAYOUT_FORMAT = 1
"""Version of the generated layout data's shape; bump when the shape changes."""

# Where the sub-type of a line-of-business record sits (Wagnisart, Kranken Folgenummer, Art).
_DISCRIMINATOR_FIELDS = {
    "010": ("Wagnisart",),
    "020": ("FolgeNrZurLaufendenPersonenNr",),
    "580": ("Art",),
}
_DISCRIMINATOR_FALLBACK = {"010": 59, "020": 47, "580": 43}

_TYPE_CODES = {"Alphanumerisch": "A", "Numerisch": "N", "Fliesskomma": "F"}
_AMOUNT_TYPES = {"N", "F"}


def snake_case(technical_name: str) -> str:
    """Return the stable snake_case key of a technical field name (``GesbeitragInWE`` → …)."""
    text = technical_name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue").replace("ß", "ss")
    text = re.sub(r"[^0-9A-Za-z]+", "_", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    key = re.sub(r"_+", "_", text).strip("_").lower() or "feld"
    return f"f_{key}" if key[0].isdigit() else key


def build_layouts(xml: bytes, source_name: str) -> dict[str, Any]:
    """Return the layout data of one format description as a JSON-ready dict."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml, parser)
    fields: dict[str, Any] = {
        str(element.get("referenz")): element for element in root.iterfind("felder/feld")
    }
    record_types = [_record_type(element, fields) for element in root.iterfind("satzarten/satzart")]
    record_types.sort(key=lambda item: item["key"])
    return {
        "format": LAYOUT_FORMAT,
        "description": source_name,
        "stand": (root.findtext("info/stand") or "").strip(),
        "record_types": record_types,
    }


def _record_type(element: Any, fields: dict[str, Any]) -> dict[str, Any]:
    marks = [ref.findtext("auspraegung") for ref in element.iterfind("kennzeichnung/feldreferenz")]
    satzart = (marks[0] or "").strip()
    sparte_mark = (marks[1] or "").strip() if len(marks) > 2 or _is_sparte(element) else ""
    group = (marks[2] or "").strip() if len(marks) > 2 else ""
    parts: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for child in element:
        if child.tag == "satzanfang":
            current = {"number": int(child.get("teilsatz")), "fields": []}
            parts.append(current)
        elif child.tag == "feldreferenz" and current is not None:
            current["fields"].append(_field(child, fields))
    sparte, _, sub = sparte_mark.partition(".")
    key = ".".join(item for item in (satzart, sparte, sub, group) if item)
    match: list[list[Any]] = []
    if sub:
        match.append([_discriminator_index(sparte, parts), sub])
    return {
        "key": key,
        "satzart": satzart,
        "sparte": sparte or None,
        "match": match,
        "version": (element.findtext("version") or "").strip(),
        "parts": _assign_keys([_finish_part(part) for part in parts]),
    }


def _assign_keys(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every field a snake_case key unique within its record type.

    A field repeated in several parts at the same place (Satzart, VU-Nummer, …) keeps one key;
    the same name elsewhere gets the part number appended (``_td2``), repeats within a part a
    running number.
    """
    seen: dict[str, tuple[int, int]] = {}
    for part in parts:
        used_here: set[str] = set()
        for field in part["fields"]:
            name, technical, start, length = field[0], field[1], field[2], field[3]
            key = snake_case(technical or name)
            if (key in seen and seen[key] != (start, length)) or key in used_here:
                candidate = f"{key}_td{part['number']}"
                counter = 2
                while candidate in seen or candidate in used_here:
                    candidate = f"{key}_td{part['number']}_{counter}"
                    counter += 1
                key = candidate
            seen.setdefault(key, (start, length))
            used_here.add(key)
            field[1] = key
    return parts


def _is_sparte(element: Any) -> bool:
    refs = [ref.get("referenz") for ref in element.iterfind("kennzeichnung/feldreferenz")]
    return len(refs) > 1 and "Sparte" in refs[1]


def _field(reference: Any, fields: dict[str, Any]) -> dict[str, Any]:
    referenz = reference.get("referenz")
    start_text, end_text, _rest = referenz.split("-", 2)
    definition = fields.get(referenz)
    datatype = definition.findtext("datentyp") if definition is not None else "Alphanumerisch"
    start = int(start_text)
    length = int(end_text) - start + 1
    decimals = int(definition.findtext("nachkommastellen") or 0) if definition is not None else 0
    technical = (reference.findtext("technischerName") or "").strip()
    name = " ".join((reference.findtext("name") or technical).split())
    if datatype == "Datum":
        code = {8: "D8", 6: "D6", 4: "D4"}.get(length, "N")
    else:
        code = _TYPE_CODES.get(datatype or "", "A")
    if code == "N" and decimals:
        code = "F"
    if technical.startswith(("Leerstelle", "Leerstellen")) or name.startswith("Leerstelle"):
        code = "L"
    return {
        "technical": technical,
        "name": name,
        "start": start,
        "length": length,
        "type": code,
        "decimals": decimals,
        "value": (reference.findtext("auspraegung") or "").strip(),
    }


def _finish_part(part: dict[str, Any]) -> dict[str, Any]:
    fields = part["fields"]
    check: list[Any] | None = None
    for item in fields:
        if item["technical"] == "SatzNr" or (
            item["technical"].startswith("SatzNr") and item["length"] == 1 and check is None
        ):
            if item["technical"] == "SatzNr" or check is None:
                check = [item["start"] - 1, item["value"] or str(part["number"])]
            if item["technical"] == "SatzNr":
                break
    out_fields = []
    for index, item in enumerate(fields):
        code = item["type"]
        previous = fields[index - 1] if index else None
        if (
            item["technical"].startswith("Vorzeichen")
            and item["length"] == 1
            and previous is not None
            and previous["type"] in _AMOUNT_TYPES
            and previous["start"] + previous["length"] == item["start"]
        ):
            code = "S"
        out_fields.append(
            [
                item["name"],
                item["technical"],
                item["start"] - 1,
                item["length"],
                code,
                item["decimals"],
            ]
        )
    return {"number": part["number"], "check": check, "fields": out_fields}


def _discriminator_index(sparte: str, parts: list[dict[str, Any]]) -> int:
    names = _DISCRIMINATOR_FIELDS.get(sparte, ())
    for part in parts:
        for item in part["fields"]:
            if item["technical"].startswith(names) and item["length"] == 1:
                return int(item["start"]) - 1
    return _DISCRIMINATOR_FALLBACK.get(sparte, 59)


def dump_layouts(data: dict[str, Any]) -> str:
    """Serialise layout data compactly: one line per field, stable across runs."""
    import json

    lines = ["{", f' "format": {data["format"]},']
    lines.append(f' "description": {json.dumps(data["description"])},')
    lines.append(f' "stand": {json.dumps(data["stand"])},')
    lines.append(' "record_types": [')
    for type_index, record_type in enumerate(data["record_types"]):
        head = {key: value for key, value in record_type.items() if key != "parts"}
        lines.append("  {" + json.dumps(head, ensure_ascii=False)[1:-1] + ', "parts": [')
        for part_index, part in enumerate(record_type["parts"]):
            lines.append(
                f'   {{"number": {part["number"]}, "check": {json.dumps(part["check"])}, '
                '"fields": ['
            )
            rows = ["    " + json.dumps(field, ensure_ascii=False) for field in part["fields"]]
            lines.append(",\n".join(rows))
            lines.append("   ]}" + ("," if part_index < len(record_type["parts"]) - 1 else ""))
        lines.append("  ]}" + ("," if type_index < len(data["record_types"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"
