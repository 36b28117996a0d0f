"""Cases (Vorgänge): case types, cases with status and responsibility, their timeline."""

from kontor.casework.cases.domain import Case
from kontor.casework.cases.errors import (
    CaseNotFound,
    ConcurrentCaseChange,
    DuplicateBusinessKey,
    InvalidCaseData,
    TransitionRefused,
    UnknownCaseType,
)
from kontor.casework.cases.messages import (
    PROCESS_INSTANCE,
    ChangeCaseStatus,
    CloseCase,
    CommentOnCase,
    LinkCase,
    OpenCase,
    ReopenCase,
    UpdateCase,
)
from kontor.casework.cases.service import CaseService, register
from kontor.casework.cases.store import (
    CaseFilter,
    CasePage,
    CaseStore,
    Timeline,
    TimelineEntry,
    data_filters,
)
from kontor.casework.cases.types import CaseType, CaseTypeRegistry

__all__ = [
    "PROCESS_INSTANCE",
    "Case",
    "CaseFilter",
    "CaseNotFound",
    "CasePage",
    "CaseService",
    "CaseStore",
    "CaseType",
    "CaseTypeRegistry",
    "ChangeCaseStatus",
    "CloseCase",
    "CommentOnCase",
    "ConcurrentCaseChange",
    "DuplicateBusinessKey",
    "InvalidCaseData",
    "LinkCase",
    "OpenCase",
    "ReopenCase",
    "Timeline",
    "TimelineEntry",
    "TransitionRefused",
    "UnknownCaseType",
    "UpdateCase",
    "data_filters",
    "register",
]
