"""XML loading and small element helpers shared by the BPMN parser modules."""

from __future__ import annotations

from lxml import etree

from kontor.process.bpmn.errors import MalformedXmlError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
CAMUNDA7_NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn")

Element = etree._Element


def load_xml(data: bytes, source_name: str) -> Element:
    """Parse ``data`` safely (no entities, no network) and return the root element."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise MalformedXmlError(
            f"malformed XML: {exc.msg}", source_name=source_name, line=line, column=column
        ) from exc


def bpmn(tag: str) -> str:
    """Qualified name of a BPMN model element."""
    return f"{{{BPMN_NS}}}{tag}"


def zeebe(tag: str) -> str:
    """Qualified name of a zeebe extension element."""
    return f"{{{ZEEBE_NS}}}{tag}"


def line_of(element: Element) -> int | None:
    """Source line of ``element`` as lxml recorded it."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def local_name(element: Element) -> str:
    """Local part of an element's tag ('' for comments and processing instructions)."""
    tag: object = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def namespace(element: Element) -> str | None:
    """Namespace URI of an element's tag."""
    tag: object = element.tag
    if not isinstance(tag, str):
        return None
    return etree.QName(tag).namespace


def is_bpmn(element: Element) -> bool:
    """Whether the element is in the BPMN model namespace."""
    return namespace(element) == BPMN_NS


def bpmn_children(element: Element, tag: str | None = None) -> list[Element]:
    """Direct BPMN children of ``element``, optionally only those named ``tag``."""
    return [
        child for child in element if is_bpmn(child) and (tag is None or local_name(child) == tag)
    ]


def first_bpmn_child(element: Element, tag: str) -> Element | None:
    """First direct BPMN child named ``tag``."""
    found = bpmn_children(element, tag)
    return found[0] if found else None


def text_of(element: Element | None) -> str | None:
    """Whole text content of ``element`` (None if absent or blank)."""
    if element is None:
        return None
    text = "".join(str(part) for part in element.itertext())
    return text if text.strip() else None


def attr(element: Element, name: str) -> str | None:
    """Attribute value without namespace."""
    value = element.get(name)
    return value if value is None else str(value)


def camunda7_attr(element: Element, name: str) -> str | None:
    """A Camunda 7 (or Activiti) attribute, whichever namespace the file uses."""
    for ns in CAMUNDA7_NAMESPACES:
        value = element.get(f"{{{ns}}}{name}")
        if value is not None:
            return str(value)
    return None


def bool_attr(element: Element, name: str, default: bool) -> bool:
    """Boolean attribute with the BPMN default when absent."""
    value = element.get(name)
    if value is None:
        return default
    return str(value).strip().lower() == "true"


def strip_prefix(reference: str | None) -> str | None:
    """Drop a QName prefix from an id reference (``tns:Message_1`` → ``Message_1``)."""
    if reference is None:
        return None
    reference = reference.strip()
    return reference.split(":", 1)[1] if ":" in reference else reference
