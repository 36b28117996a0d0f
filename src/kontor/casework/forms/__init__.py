"""Task forms: JSON Schemas or Camunda forms, deployed per tenant, checked on save and complete."""

from kontor.casework.forms.camunda import schema_of_form
from kontor.casework.forms.service import (
    InvalidFormData,
    check_form_data,
    deploy_form,
    form_key_of,
)
from kontor.casework.forms.store import FormKind, FormNotFound, FormStore, TaskForm

__all__ = [
    "FormKind",
    "FormNotFound",
    "FormStore",
    "InvalidFormData",
    "TaskForm",
    "check_form_data",
    "deploy_form",
    "form_key_of",
    "schema_of_form",
]
