"""Errors of the platform: failed and throttled logins."""

from __future__ import annotations

from kontor.errors import KontorError


class LoginFailed(KontorError):
    """Login name or password wrong (one answer for both, so accounts cannot be guessed)."""

    code = "platform.login_failed"
    status = 401
    title = "Login failed"


class PasswordExpired(KontorError):
    """The password was right but has expired; a reset code sets a new one."""

    code = "platform.password_expired"
    status = 403
    title = "Password expired"


class LoginLocked(KontorError):
    """Too many failed logins for this account or from this address; try again later."""

    code = "platform.login_locked"
    status = 429
    title = "Too many failed logins"


class SecondFactorFailed(KontorError):
    """The second step of a login failed: the code is wrong or the pending login is gone."""

    code = "platform.second_factor_failed"
    status = 401
    title = "Second factor failed"
