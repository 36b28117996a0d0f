"""The BiPRO message frame: a request and its response around any norm's payload (420, 430.x).

A request is ``<op><Request><BiPROVersion/>…payload…</Request></op>`` in the service's
namespace; a response is ``<opResponse><Response><BiPROVersion/><Status/>…payload…</Response>
</opResponse>`` whose ``Status`` carries ``StatusID`` (``OK``, ``NOK``) and the ``Meldung``s.
A SOAP fault may carry the same ``Status`` in its ``detail``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from lxml import etree

from kontor.integration.bipro.errors import (
    BiproFault,
    BiproStatusError,
    BiproTransportError,
    Meldung,
)
from kontor.integration.bipro.xml import (
    BIPRO_VERSION,
    NACHRICHTEN,
    SOAP,
    Element,
    envelope,
    q,
    sub,
    text_of,
)

OK, NOK = "OK", "NOK"
ERROR, WARNING, NOTE = "Fehler", "Warnung", "Hinweis"


def request(
    namespace: str, operation: str, payload: Iterable[Element] = (), header: Element | None = None
) -> Element:
    """The SOAP envelope of a call of ``operation`` carrying ``payload``."""
    root, body = envelope(header)
    inner = sub(sub(body, namespace, operation), namespace, "Request")
    sub(inner, NACHRICHTEN, "BiPROVersion", BIPRO_VERSION)
    for element in payload:
        inner.append(element)
    return root


def request_of(root: Element, namespace: str) -> tuple[str, Element]:
    """The operation a request envelope calls and its ``Request`` element."""
    body = root.find(q(SOAP, "Body"))
    call = None if body is None or len(body) == 0 else body[0]
    if call is None or not isinstance(call.tag, str) or not call.tag.startswith(f"{{{namespace}}}"):
        raise BiproTransportError("no call of this service in the SOAP body", "request")
    inner = call.find(q(namespace, "Request"))
    if inner is None:
        raise BiproTransportError("the call carries no Request", "request")
    return call.tag.split("}", 1)[1], inner


def response(
    namespace: str,
    operation: str,
    payload: Iterable[Element] = (),
    status: str = OK,
    meldungen: Iterable[Meldung] = (),
) -> Element:
    """The SOAP envelope of the answer to ``operation`` with ``status`` and ``payload``."""
    root, body = envelope()
    inner = sub(sub(body, namespace, f"{operation}Response"), namespace, "Response")
    sub(inner, NACHRICHTEN, "BiPROVersion", BIPRO_VERSION)
    inner.append(status_element(status, meldungen))
    for element in payload:
        inner.append(element)
    return root


def fault(code: str, text: str, meldungen: Iterable[Meldung] = ()) -> Element:
    """A SOAP fault with ``code`` (qualified by the WS-Security prefix) and a BiPRO Status."""
    root, body = envelope()
    found = sub(body, SOAP, "Fault")
    etree.SubElement(found, "faultcode").text = code
    etree.SubElement(found, "faultstring").text = text
    etree.SubElement(found, "detail").append(status_element(NOK, meldungen))
    return root


def status_element(status: str, meldungen: Iterable[Meldung]) -> Element:
    """A ``nachrichten:Status`` with a process id, a time stamp, ``status`` and ``meldungen``."""
    element = etree.Element(q(NACHRICHTEN, "Status"), nsmap={"nachrichten": NACHRICHTEN})
    sub(element, NACHRICHTEN, "ProzessID", str(uuid.uuid4()))
    sub(element, NACHRICHTEN, "Zeitstempel", dt.datetime.now(dt.UTC).isoformat())
    sub(element, NACHRICHTEN, "StatusID", status)
    for meldung in meldungen:
        told = sub(element, NACHRICHTEN, "Meldung")
        sub(told, NACHRICHTEN, "ArtID", meldung.kind)
        sub(told, NACHRICHTEN, "MeldungID", meldung.meldung_id)
        sub(told, NACHRICHTEN, "Text", meldung.text)
    return element


def read_response(root: Element, namespace: str, operation: str) -> Element:
    """The ``Response`` of an answer to ``operation``; faults and a status other than OK raise."""
    body = root.find(q(SOAP, "Body"))
    if root.tag != q(SOAP, "Envelope") or body is None:
        raise BiproTransportError("the answer is no SOAP envelope", operation)
    found = body.find(q(SOAP, "Fault"))
    if found is not None:
        code = text_of(found, "faultcode") or text_of(found, "soapenv:faultcode")
        raise BiproFault(
            code.rsplit(":", 1)[-1] or "Server",
            text_of(found, "faultstring") or "no faultstring",
            operation,
            meldungen_of(found.find("detail/nachrichten:Status", _NS)),
        )
    inner = body.find(f"{q(namespace, operation + 'Response')}/{q(namespace, 'Response')}")
    if inner is None:
        raise BiproTransportError(f"the answer holds no {operation}Response", operation)
    status = inner.find(q(NACHRICHTEN, "Status"))
    status_id = text_of(status, "nachrichten:StatusID")
    if status_id != OK:
        raise BiproStatusError(status_id or "missing", operation, meldungen_of(status))
    return inner


def meldungen_of(status: Element | None) -> tuple[Meldung, ...]:
    """The Meldungen of a ``Status`` element."""
    if status is None:
        return ()
    return tuple(
        Meldung(
            text_of(m, "nachrichten:ArtID"),
            text_of(m, "nachrichten:MeldungID"),
            text_of(m, "nachrichten:Text"),
        )
        for m in status.findall(q(NACHRICHTEN, "Meldung"))
    )


_NS = {"nachrichten": NACHRICHTEN}
