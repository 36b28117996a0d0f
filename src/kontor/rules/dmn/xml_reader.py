"""Namespace-agnostic access to DMN XML elements (DMN 1.1 to 1.5), with source lines."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from kontor.rules.dmn.errors import DmnModelError, DmnXmlError

DMN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # 1.1
        "http://www.omg.org/spec/DMN/20180521/MODEL/",  # 1.2
        "https://www.omg.org/spec/DMN/20191111/MODEL/",  # 1.3
        "https://www.omg.org/spec/DMN/20211108/MODEL/",  # 1.4
        "https://www.omg.org/spec/DMN/20230324/MODEL/",  # 1.5
    }
)

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

Element = etree._Element


def parse_xml(data: bytes, file: str | None) -> Element:
    """Parse bytes into the root element; malformed XML becomes a DmnXmlError."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise DmnXmlError(f"malformed XML: {exc.msg}", file=file, line=line, column=column) from exc
    return root


def local_name(element: Element) -> str:
    """Return the local part of the element's tag."""
    return etree.QName(element).localname


def is_dmn(element: Element) -> bool:
    """Tell whether the element is in one of the DMN model namespaces."""
    tag: object = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return False
    return etree.QName(tag).namespace in DMN_NAMESPACES


def dmn_children(element: Element) -> Iterator[Element]:
    """Yield the DMN-namespace children (extensions, DMNDI and comments are skipped)."""
    for child in element:
        if is_dmn(child):
            yield child


def child(element: Element, name: str) -> Element | None:
    """Return the first DMN child with this local name."""
    for item in dmn_children(element):
        if local_name(item) == name:
            return item
    return None


def children(element: Element, name: str) -> list[Element]:
    """Return all DMN children with this local name."""
    return [item for item in dmn_children(element) if local_name(item) == name]


def text_of(element: Element | None) -> str:
    """Return the content of the `text` child (or the element's own text)."""
    if element is None:
        return ""
    text_element = child(element, "text")
    source = text_element if text_element is not None else element
    return (source.text or "") if text_element is not None else ""


def line_of(element: Element | None) -> int | None:
    """Return the source line of the element."""
    if element is None:
        return None
    line: object = element.sourceline  # the lxml stubs type this oddly
    return line if isinstance(line, int) else None


def label_of(element: Element) -> str:
    """Readable name for messages: tag plus name and id."""
    parts = [local_name(element)]
    if element.get("name"):
        parts.append(f"'{element.get('name')}'")
    if element.get("id"):
        parts.append(f"id={element.get('id')}")
    return " ".join(parts)


def fail(
    message: str, file: str | None, element: Element, context: str | None = None
) -> DmnModelError:
    """Build a DmnModelError located at `element`."""
    return DmnModelError(
        message, file=file, line=line_of(element), element=context or label_of(element)
    )
