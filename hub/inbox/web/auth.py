"""Cookies, the signed-in member and CSRF checks, shared by pages and API."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request, Response

from hub.config import InboxSettings
from hub.inbox.authz import Viewer
from hub.inbox.errors import InboxError
from hub.inbox.sessions import Session
from hub.inbox.web.services import Services

SESSION_COOKIE = "hub_session"
LOGIN_CSRF_COOKIE = "hub_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class NotSignedIn(InboxError):
    """No live session: the page redirects to sign-in, the API answers 401."""

    def __init__(self, expired: bool) -> None:
        super().__init__("sign in first")
        self.expired = expired


class CsrfRejected(InboxError):
    """A form or API call without this session's CSRF token."""


@dataclass(frozen=True)
class Current:
    viewer: Viewer
    session: Session
    token: str


def secure_cookies(settings: InboxSettings, request: Request) -> bool:
    if settings.cookie_secure == "auto":
        return request.url.hostname not in _LOOPBACK
    return settings.cookie_secure == "always"


def set_cookie(
    response: Response, request: Request, settings: InboxSettings, name: str, value: str
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(settings, request),
        path="/",
    )


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRejected("the form has expired or did not come from this site; try again")


def current_user(services: Services) -> Callable[[Request], Current]:
    """The FastAPI dependency: the live session's member, or :class:`NotSignedIn`."""

    def current(request: Request) -> Current:
        token = request.cookies.get(SESSION_COOKIE)
        session = services.sessions.get(token)
        if session is None or token is None:
            raise NotSignedIn(expired=token is not None)
        viewer = services.inbox.viewer(session.username)
        if viewer is None:  # taken off the directory since signing in
            services.sessions.delete(token)
            raise NotSignedIn(expired=False)
        return Current(viewer, session, token)

    return current
