"""The server-rendered pages: sign-in, the alert list, one alert, identity, status forms."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from hub.inbox.service import AlertView, BadRequest
from hub.inbox.store import ACTIONS, STATUSES
from hub.inbox.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Current,
    check_csrf,
    current_user,
    set_cookie,
)
from hub.inbox.web.services import Services

_MESSAGES = {
    "bad_credentials": "Sign-in failed: check your username, password and code.",
    "locked": "Too many failed attempts: this account is locked for a while.",
}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def router(services: Services, templates: Jinja2Templates) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    signed_in = Annotated[Current, Depends(current_user(services))]

    def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def login_page(request: Request, status: int = 200, **context: Any) -> Response:
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", status, login_csrf=token, **context)
        set_cookie(response, request, services.settings, LOGIN_CSRF_COOKIE, token)
        return response

    @pages.get("/login")
    def login_form(request: Request, expired: int = 0, next: str = "/") -> Response:
        message = "Your session has ended. Please sign in again." if expired else None
        return login_page(request, message=message, next=_safe_next(next))

    @pages.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        code: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token)
        username = username.strip().lower()
        outcome = services.accounts.authenticate(username, password, code)
        if outcome == "success" and services.inbox.viewer(username) is None:
            outcome = "bad_credentials"  # enrolled, but no longer on any panel
        services.metrics.logins.labels(outcome).inc()
        if outcome != "success":
            if outcome == "locked":
                services.store.audit(username, "signin.locked")
            return login_page(
                request, 401, error=_MESSAGES[outcome], username=username, next=_safe_next(next)
            )
        services.store.audit(username, "signin")
        if old := request.cookies.get(SESSION_COOKIE):
            services.sessions.delete(old)  # a new token at every sign-in: no session fixation
        services.sessions.purge()  # expired sessions go now and then, not only when reused
        token, _ = services.sessions.create(username)
        response = RedirectResponse(_safe_next(next), status_code=303)
        set_cookie(response, request, services.settings, SESSION_COOKIE, token)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @pages.post("/logout")
    def logout(current: signed_in, csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(current.session.csrf, csrf_token)
        services.sessions.delete(current.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @pages.get("/")
    def alert_list(
        request: Request,
        current: signed_in,
        rule: str = "",
        status: str = "",
        area: str = "",
    ) -> Response:
        alerts = services.inbox.alerts(
            current.viewer, rule=rule or None, status=status or None, area=area or None
        )
        everything = services.inbox.alerts(current.viewer)
        return render(
            request,
            "alerts.html",
            current=current,
            alerts=alerts,
            rules=sorted({r for a in everything for r in a.rules}),
            areas=sorted({a.area for a in everything if a.area}),
            statuses=STATUSES,
            chosen={"rule": rule, "status": status, "area": area},
            panel_names={a.panel: services.inbox.panel_name(a.panel) for a in everything},
        )

    def alert_page(
        request: Request, current: Current, view: AlertView, status: int = 200, **extra: Any
    ) -> Response:
        return render(
            request,
            "alert.html",
            status,
            current=current,
            view=view,
            actions=ACTIONS,
            min_reason=services.settings.min_reason_length,
            **extra,
        )

    @pages.get("/alerts/{alert_id}")
    def alert(request: Request, alert_id: str, current: signed_in) -> Response:
        return alert_page(request, current, services.inbox.view(current.viewer, alert_id))

    @pages.post("/alerts/{alert_id}/identity")
    def open_identity(
        request: Request,
        alert_id: str,
        current: signed_in,
        reason: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(current.session.csrf, csrf_token)
        view = services.inbox.view(current.viewer, alert_id)
        try:
            identity = services.inbox.open_identity(current.viewer, alert_id, reason)
        except BadRequest as exc:
            return alert_page(request, current, view, 400, identity_error=str(exc), reason=reason)
        return alert_page(request, current, view, identity=identity)

    @pages.post("/alerts/{alert_id}/change")
    def change(
        request: Request,
        alert_id: str,
        current: signed_in,
        change: Annotated[str, Form()],
        assignee: Annotated[str, Form()] = "",
        action: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(current.session.csrf, csrf_token)
        try:
            apply_change(services, current, alert_id, change, assignee, action, note)
        except BadRequest as exc:
            view = services.inbox.view(current.viewer, alert_id)
            return alert_page(request, current, view, 400, change_error=str(exc))
        return RedirectResponse(f"/alerts/{alert_id}#history", status_code=303)

    return pages


def apply_change(
    services: Services,
    current: Current,
    alert_id: str,
    change: str,
    assignee: str = "",
    action: str = "",
    note: str = "",
) -> None:
    inbox, viewer = services.inbox, current.viewer
    if change == "acknowledge":
        inbox.acknowledge(viewer, alert_id, note)
    elif change == "assign":
        inbox.assign(viewer, alert_id, assignee, note)
    elif change == "action":
        inbox.record_action(viewer, alert_id, action, note)
    elif change == "close":
        inbox.close(viewer, alert_id, note)
    else:
        raise BadRequest(f"unknown change {change!r}")
