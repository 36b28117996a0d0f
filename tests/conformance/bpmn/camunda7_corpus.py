"""Verdicts for the Camunda 7 engine test models: deploys, or refused with a reason category.

A model *deploys* when Kontor's deployment would accept it: it imports, has no validation
error, holds an executable process, and every call activity with a fixed ``calledElement``
finds that process among the corpus files of its own test folder.

A model *needs Java* when it names code a Python engine cannot run:
- ``camunda:class``, ``camunda:delegateExpression``, ``camunda:variableMappingClass``,
  ``camunda:variableMappingDelegateExpression`` attributes;
- execution or task listeners and ``camunda:connector`` (Kontor runs no listeners);
- scripts: a ``scriptTask`` (or ``camunda:script``, a ``camunda:resource``) in a language
  other than FEEL, or a condition in a declared script language;
- bean calls: a ``${...}`` whose method or function call lies outside Kontor's JUEL subset
  (``${someBean.method()}``, ``${execution.setVariable(...)}``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from kontor.process.bpmn import BpmnImportError, Severity, parse_bpmn, validate
from kontor.process.juel import JuelSyntaxError, compile_template

SHARED = Path(__file__).parents[3].parent / "shared"
CORPUS = SHARED / "bpmn" / "camunda7-engine-tests" / "models"

CAMUNDA_NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_JAVA_ATTRIBUTES = {
    "class", "delegateExpression", "variableMappingClass", "variableMappingDelegateExpression",
}  # fmt: skip
_CODE_ELEMENTS = {"executionListener", "taskListener", "connector", "script"}
_SCRIPT_LANGUAGES = re.compile(r"groovy|javascript|ecmascript|python|jython|ruby|js", re.I)
_JUEL = re.compile(r"[$#]\{[^}]*\}")
_IMPORT_CATEGORIES = {
    "MalformedXmlError": "malformed XML",
    "NotBpmnError": "not BPMN",
    "DuplicateIdError": "duplicate id",
    "UnknownReferenceError": "unknown reference",
}


@dataclass(frozen=True)
class Model:
    """One corpus file: its path below the corpus, its bytes and its test folder."""

    name: str
    data: bytes

    @property
    def folder(self) -> str:
        """The test folder (its directory below the corpus)."""
        return self.name.rsplit("/", 1)[0] if "/" in self.name else ""


def corpus_models() -> list[Model]:
    """Every model of the corpus, by path."""
    return [
        Model(path.relative_to(CORPUS).as_posix(), path.read_bytes())
        for path in sorted(CORPUS.rglob("*"))
        if path.is_file()
    ]


def needs_java(data: bytes) -> str | None:
    """Why a model needs Java (a class, bean call, script or listener), or None."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        qname = etree.QName(element.tag)
        if qname.namespace in CAMUNDA_NAMESPACES and qname.localname in _CODE_ELEMENTS:
            return f"camunda:{qname.localname}"
        if qname.namespace == BPMN_NS and qname.localname == "scriptTask":
            language = (element.get("scriptFormat") or "").lower()
            if language != "feel":
                return f"script ({language or 'no language'})"
        if _SCRIPT_LANGUAGES.fullmatch(element.get("language") or ""):
            return f"script ({element.get('language')})"
        for name, value in element.attrib.items():
            attribute = etree.QName(name)
            if attribute.namespace in CAMUNDA_NAMESPACES:
                if attribute.localname in _JAVA_ATTRIBUTES:
                    return f"camunda:{attribute.localname}"
                if attribute.localname == "resource":
                    return "camunda:resource"
            bean = _bean_call(value)
            if bean:
                return bean
        bean = _bean_call(element.text or "")
        if bean:
            return bean
    return None


def _bean_call(text: str) -> str | None:
    for match in _JUEL.finditer(text):
        try:
            compile_template(match.group(0))
        except JuelSyntaxError as error:
            if "method '" in str(error) or "function '" in str(error):
                return "bean call"
    return None


def verdicts(models: list[Model]) -> dict[str, str]:
    """``deploys`` or ``refused: <category>`` for every model, by path."""
    parsed = {}
    result: dict[str, str] = {}
    for model in models:
        try:
            parsed[model.name] = parse_bpmn(model.data, model.name)
        except BpmnImportError as error:
            result[model.name] = "refused: " + _IMPORT_CATEGORIES.get(
                type(error).__name__, "import error"
            )
    processes_by_folder: dict[str, set[str]] = {}
    for name, definitions in parsed.items():
        folder = next(m.folder for m in models if m.name == name)
        processes_by_folder.setdefault(folder, set()).update(definitions.processes)
    folder_of = {model.name: model.folder for model in models}
    for name, definitions in parsed.items():
        errors = sorted(
            {
                issue.message.removeprefix("not supported: ")
                if issue.code == "unsupported"
                else issue.code
                for issue in validate(definitions)
                if issue.severity is Severity.ERROR and issue.code != "unsupported_summary"
            }
        )
        if errors:
            result[name] = "refused: " + "; ".join(errors)
            continue
        executable = [p for p in definitions.processes.values() if p.is_executable]
        if not executable:
            result[name] = "refused: no executable process"
            continue
        missing = sorted(
            {
                called
                for process in executable
                for node in process.nodes.values()
                if node.extensions.called_element is not None
                and isinstance(called := node.extensions.called_element.process_id, str)
                and called not in processes_by_folder[folder_of[name]]
            }
        )
        result[name] = (
            f"refused: called process not in the folder ({', '.join(missing)})"
            if missing
            else "deploys"
        )
    return dict(sorted(result.items()))


def has_juel(data: bytes) -> bool:
    """Whether a model carries ``${...}`` anywhere."""
    return b"${" in data or b"#{" in data


def category_counts(verdict_of: dict[str, str]) -> Counter[str]:
    """How many models got each verdict."""
    return Counter(verdict_of.values())


EXPECTED = Path(__file__).parent / "camunda7_corpus_verdicts.json"

# Camunda 7's own parse tests of invalid processes (it refuses them at deployment), by name;
# models named "invalid" that Camunda refuses only at run time are not among them.
_CAMUNDA_REFUSES = re.compile(
    r"Invalid|invalid|ThrowsError|Fails|XMLParsingErrors|Malformed|Illegal|illegal|NotAllowed"
    r"|EventBasedGatewayTest\.testConnectedToActivity"
)
_REFUSED_ONLY_AT_RUN_TIME = {
    "api/externaltask/externalTaskInvalidPriority.bpmn20.xml",
    "api/form/FormServiceTest.testInvalidFormKeyReference.bpmn20.xml",
    "bpmn/job/invalidPrioProcess.bpmn20.xml",
}


def camunda_refuses(model: Model) -> bool:
    """Whether Camunda 7 itself refuses the model at deployment (one of its invalid-model tests)."""
    file_name = model.name.rsplit("/", 1)[-1]
    return bool(_CAMUNDA_REFUSES.search(file_name)) and model.name not in _REFUSED_ONLY_AT_RUN_TIME


def summary(models: list[Model], verdict_of: dict[str, str]) -> dict[str, object]:
    """The recorded form: counts, the models without Java and the verdict of every model."""
    without_java = [m for m in models if needs_java(m.data) is None and not camunda_refuses(m)]
    return {
        "counts": {
            "models": len(models),
            "deploy": sum(1 for v in verdict_of.values() if v == "deploys"),
            "camunda_refuses": sum(1 for m in models if camunda_refuses(m)),
            "need_java": sum(1 for m in models if needs_java(m.data) is not None),
            "without_java": len(without_java),
            "without_java_deploy": sum(1 for m in without_java if verdict_of[m.name] == "deploys"),
            "with_juel_deploy": sum(
                1 for m in models if has_juel(m.data) and verdict_of[m.name] == "deploys"
            ),
        },
        "refusals": dict(sorted(category_counts(
            {k: v for k, v in verdict_of.items() if v != "deploys"}
        ).items())),
        "verdicts": verdict_of,
    }  # fmt: skip


if __name__ == "__main__":  # rewrite the recorded verdicts after a deliberate improvement
    import json

    corpus = corpus_models()
    EXPECTED.write_text(json.dumps(summary(corpus, verdicts(corpus)), indent=1) + "\n")
