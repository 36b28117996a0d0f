"""BiPRO XML: hostile documents are refused, frames and faults read back with their Meldungen."""

from __future__ import annotations

import pytest

from kontor.integration.bipro import BiproFault, BiproStatusError, Meldung
from kontor.integration.bipro.frame import NOK, fault, read_response, response
from kontor.integration.bipro.xml import TRANSFER, UnsafeXml, parse, serialize

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
