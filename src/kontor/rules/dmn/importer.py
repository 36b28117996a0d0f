"""DMN XML import: definitions, item definitions, DRG elements, imports between models."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from kontor.rules.dmn.drg_builder import DrgBuilder
from kontor.rules.dmn.errors import DmnError, DmnModelError, DmnXmlError
from kontor.rules.dmn.model import Definitions, Import
from kontor.rules.dmn.xml_reader import Element, children, is_dmn, line_of, local_name, parse_xml


class _Document:
    """A parsed but not yet compiled DMN document."""

    def __init__(self, root: Element, file: str | None) -> None:
        self.root = root
        self.file = file
        self.namespace = root.get("namespace", "")
        self.name = root.get("name", "")
        self.imports = tuple(
            Import(
                element.get("name", ""),
                element.get("namespace", ""),
                element.get("importType", ""),
                element.get("locationURI"),
            )
            for element in children(root, "import")
        )


def _read_document(data: bytes, file: str | None) -> _Document:
    root = parse_xml(data, file)
    if not is_dmn(root) or local_name(root) != "definitions":
        raise DmnXmlError(
            f"not a DMN definitions document (root element {root.tag!r})",
            file=file,
            line=line_of(root),
        )
    return _Document(root, file)


def _source_bytes(source: Path | str | bytes) -> tuple[bytes, str | None]:
    if isinstance(source, bytes):
        return source, None
    if isinstance(source, Path):
        return source.read_bytes(), source.name
    return source.encode("utf-8"), None


def load_dmn(
    source: Path | str | bytes,
    *,
    imports: Iterable[Definitions] = (),
    file_name: str | None = None,
    strict: bool = True,
) -> Definitions:
    """Import one DMN model (path, XML text or bytes); imported models are passed in `imports`.

    With strict=False, FEEL syntax errors do not abort the import: they are listed in
    `Definitions.problems` and the affected texts evaluate to null with an error message.
    """
    data, file = _source_bytes(source)
    document = _read_document(data, file_name or file)
    available = {model.namespace: model for model in imports}
    for model in list(available.values()):
        available.update(model.imported)
    return _build(document, available, strict)


def load_dmn_files(paths: Sequence[Path], *, strict: bool = True) -> dict[str, Definitions]:
    """Import several models that may import each other; returns them by namespace."""
    documents: dict[str, _Document] = {}
    for path in paths:
        document = _read_document(path.read_bytes(), path.name)
        documents[document.namespace] = document
    built: dict[str, Definitions] = {}
    visiting: set[str] = set()

    def build(namespace: str) -> Definitions:
        if namespace in built:
            return built[namespace]
        document = documents[namespace]
        if namespace in visiting:
            raise DmnModelError(
                "import cycle", file=document.file, element=f"definitions '{document.name}'"
            )
        visiting.add(namespace)
        available: dict[str, Definitions] = {}
        for imp in document.imports:
            if imp.namespace in documents and imp.namespace != namespace:
                dependency = build(imp.namespace)
                available[imp.namespace] = dependency
                available.update(dependency.imported)
        visiting.discard(namespace)
        built[namespace] = _build(document, available, strict)
        return built[namespace]

    for namespace in documents:
        build(namespace)
    return built


def _build(
    document: _Document, available: Mapping[str, Definitions], strict: bool = True
) -> Definitions:
    for imp in document.imports:
        if (
            _is_dmn_import(imp)
            and imp.namespace not in available
            and imp.namespace != document.namespace
        ):
            raise DmnModelError(
                f"imported model with namespace {imp.namespace!r} not found",
                file=document.file,
                element=f"import '{imp.name}'",
            )
    own_imports = {
        imp.name: available[imp.namespace] for imp in document.imports if imp.namespace in available
    }
    problems: list[DmnError] | None = None if strict else []
    builder = DrgBuilder(
        document.root, document.file, document.namespace, document.imports, own_imports, problems
    )
    item_definitions, registry, elements = builder.build()
    return Definitions(
        id=document.root.get("id"),
        name=document.name,
        namespace=document.namespace,
        file=document.file,
        imports=document.imports,
        item_definitions=MappingProxyType(item_definitions),
        elements=MappingProxyType(elements),
        by_name=MappingProxyType({element.name: element for element in elements.values()}),
        imported=MappingProxyType(dict(available)),
        types=MappingProxyType(registry.all_types()),
        registry=registry,
        problems=tuple(problems or ()),
    )


def _is_dmn_import(imp: Import) -> bool:
    return "DMN" in imp.import_type.upper() or imp.import_type == ""
