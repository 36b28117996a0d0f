"""One rendering path: the same Jinja2 templates give whole pages and their htmx fragments."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2_fragments import render_block

from kontor.web.i18n import (
    LANGUAGE_COOKIE,
    choose_language,
    format_day,
    format_moment,
    format_money,
    format_number,
    format_size,
    translated,
    translations,
)


def template_directory() -> Path:
    """Where the page templates live."""
    return Path(str(resources.files("kontor"))) / "web" / "templates"


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(context.get("language", "de")).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return translations(context.get("language", "de")).ngettext(singular, plural, count)


@pass_context
def _translated(context: Context, message: Any) -> str:
    """A declared or computed text, translated; unlike ``_()`` it stays escaped."""
    return translated(
        context.get("language", "de"), message if isinstance(message, str) else str(message)
    )


@pass_context
def _moment(context: Context, value: Any) -> str:
    return format_moment(value, context.get("language", "de"))


@pass_context
def _day(context: Context, value: Any) -> str:
    return format_day(value, context.get("language", "de"))


@pass_context
def _money(context: Context, value: Any) -> str:
    return format_money(value, context.get("language", "de"))


@pass_context
def _number(context: Context, value: Any) -> str:
    return format_number(value, context.get("language", "de"))


@pass_context
def _size(context: Context, value: Any) -> str:
    return format_size(value, context.get("language", "de"))


@cache
def environment() -> Environment:
    """The template environment (autoescaping, gettext, German formats)."""
    env = Environment(
        loader=FileSystemLoader(template_directory()),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        t=_translated, moment=_moment, day=_day, money=_money, number=_number, size=_size
    )
    from kontor.web.admin.common import entries_for  # the admin package renders through here

    env.globals["admin_entries"] = entries_for
    return env


def language_of(request: Request) -> str:
    """The language of the person sending ``request``."""
    return choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def translate(request: Request, message: str) -> str:
    """``message`` (German) in the language of the person sending ``request``."""
    return translated(language_of(request), message)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template`` (or only its ``block``, for htmx) rendered for ``request``."""
    values: dict[str, Any] = {
        "request": request,
        "language": language_of(request),
        "path": request.url.path,
        **(context or {}),
    }
    env = environment()
    if block is None:
        html = env.get_template(template).render(values)
    else:
        html = render_block(env, template, block, **values)
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def is_htmx(request: Request) -> bool:
    """Whether htmx sent ``request`` (it then wants a fragment)."""
    return request.headers.get("hx-request") == "true"
