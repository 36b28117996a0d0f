"""BiPRO XML: hostile documents are refused, frames and faults read back with their Meldungen."""

from __future__ import annotations

import pytest
from lxml import etree

from kontor.integration.bipro import BiproFault, BiproStatusError, Meldung
from kontor.integration.bipro.frame import NOK, fault, read_response, request, request_of, response
from kontor.integration.bipro.xml import (
    BIPRO_VERSION,
    TRANSFER,
    UnsafeXml,
    parse,
    serialize,
    text_of,
)

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><x>&secret;</x>"""


@pytest.mark.parametrize("document", [LAUGHS, EXTERNAL, b"<unclosed>"])
def test_entity_expansion_external_entities_and_broken_xml_are_refused(document: bytes) -> None:
    with pytest.raises(UnsafeXml):
        parse(document)


def test_a_response_with_status_nok_raises_with_its_meldungen() -> None:
    told = Meldung("Fehler", "00100", "Lieferung unbekannt")
    answer = parse(serialize(response(TRANSFER, "getShipment", status=NOK, meldungen=[told])))
    with pytest.raises(BiproStatusError) as refused:
        read_response(answer, TRANSFER, "getShipment")
    assert refused.value.meldungen == (told,)


def test_a_fault_raises_with_its_code_and_meldungen() -> None:
    told = Meldung("Fehler", "00300", "Anfrage nicht verstanden")
    answer = parse(serialize(fault("soapenv:Client", "kaputt", [told])))
    with pytest.raises(BiproFault) as refused:
        read_response(answer, TRANSFER, "listShipments")
    assert refused.value.code == "Client"
    assert refused.value.meldungen == (told,)


def test_the_message_frame_carries_any_norms_payload_both_ways() -> None:
    norm = "http://www.bipro.net/namespace/abrechnung"  # a 430.7 service, for instance
    payload = etree.Element(f"{{{norm}}}Vorgangsnummer")
    payload.text = "Abrechnung 2026/11-00042"
    sent = parse(serialize(request(norm, "getAbrechnung", [payload])))
    operation, inner = request_of(sent, norm)
    assert operation == "getAbrechnung"
    assert text_of(inner, "nachrichten:BiPROVersion") == BIPRO_VERSION
    assert inner.findtext(f"{{{norm}}}Vorgangsnummer") == "Abrechnung 2026/11-00042"
    answered = parse(serialize(response(norm, "getAbrechnung", [payload])))
    found = read_response(answered, norm, "getAbrechnung")
    assert found.findtext(f"{{{norm}}}Vorgangsnummer") == "Abrechnung 2026/11-00042"
