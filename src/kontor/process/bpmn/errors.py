"""Errors raised while importing BPMN files."""

from __future__ import annotations


class BpmnImportError(Exception):
    """A BPMN file cannot be imported; the message names file, position and element."""

    code = "bpmn.import"

    def __init__(
        self,
        reason: str,
        *,
        source_name: str | None = None,
        line: int | None = None,
        column: int | None = None,
        element_id: str | None = None,
    ) -> None:
        self.reason = reason
        self.source_name = source_name
        self.line = line
        self.column = column
        self.element_id = element_id
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = self.source_name or "<bpmn>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        element = f" (element '{self.element_id}')" if self.element_id else ""
        return f"{where}: {self.reason}{element}"


class MalformedXmlError(BpmnImportError):
    """The file is not well-formed XML."""

    code = "bpmn.malformed_xml"


class NotBpmnError(BpmnImportError):
    """The XML is well-formed but not a BPMN 2.0 ``definitions`` document."""

    code = "bpmn.not_bpmn"


class UnknownReferenceError(BpmnImportError):
    """An element refers to an id that does not exist."""

    code = "bpmn.unknown_reference"


class DuplicateIdError(BpmnImportError):
    """Two elements share an id."""

    code = "bpmn.duplicate_id"
