"""XML of the BiPRO transport: namespaces, a parser hardened against hostile documents, helpers.

The parser resolves no entities, loads no DTD and opens no network; a document that declares a
DOCTYPE at all is refused, so entity expansion ("billion laughs") and external entities cannot
reach Kontor through a provider's answer (or, in the provider mock, a consumer's request).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WST = "http://schemas.xmlsoap.org/ws/2005/02/trust"
WSC = "http://schemas.xmlsoap.org/ws/2005/02/sc"
TRANSFER = "http://www.bipro.net/namespace/transfer"
NACHRICHTEN = "http://www.bipro.net/namespace/nachrichten"
ALLGEMEIN = "http://www.bipro.net/namespace/allgemein"
BIPRO_VERSION = "2.6.1.1.0"
PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{PROFILE}#PasswordText"
NAMESPACES = {
    "soapenv": SOAP, "wsse": WSSE, "wsu": WSU, "wst": WST, "wsc": WSC,
    "transfer": TRANSFER, "nachrichten": NACHRICHTEN, "allgemein": ALLGEMEIN,
}  # fmt: skip

Element = etree._Element


class UnsafeXml(ValueError):
    """A document that is no well-formed XML or that declares a DOCTYPE."""


def parse(data: bytes) -> Element:
    """The root of ``data``; refused if malformed or if it declares a DOCTYPE."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise UnsafeXml(f"malformed XML: {error.msg}") from None
    info: Any = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise UnsafeXml("a DOCTYPE is not accepted")
    return root


def q(namespace: str, name: str) -> str:
    """The qualified tag ``{namespace}name``."""
    return f"{{{namespace}}}{name}"


def sub(parent: Element, namespace: str, name: str, text: str | None = None) -> Element:
    """A new child ``name`` of ``parent``, with ``text`` if given."""
    child = etree.SubElement(parent, q(namespace, name), nsmap=None)
    if text is not None:
        child.text = text
    return child


def envelope(header: Element | None = None) -> tuple[Element, Element]:
    """A SOAP 1.1 envelope and its body; ``header`` goes into the SOAP header."""
    root = etree.Element(q(SOAP, "Envelope"), nsmap=NAMESPACES)
    if header is not None:
        sub(root, SOAP, "Header").append(header)
    return root, sub(root, SOAP, "Body")


def serialize(root: Element) -> bytes:
    """``root`` as UTF-8 XML with a declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def text_of(element: Element | None, path: str, default: str = "") -> str:
    """The stripped text at ``path`` (XPath with the ``NAMESPACES`` prefixes) below ``element``."""
    if element is None:
        return default
    found = element.find(path, NAMESPACES)
    if found is None or found.text is None:
        return default
    return str(found.text).strip()
