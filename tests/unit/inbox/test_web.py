"""The web app's rules through its HTTP face (pages and API): sign-in, own panels only,
identity opening by role with a reason, CSRF, status changes, metrics and health."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.inbox import audit
from hub.inbox.web.app import create_app
from hub.inbox.web.services import Services
from tests.unit.inbox.conftest import PASSWORD, Clock, totp_now
from tests.unit.inbox.factory import document


@pytest.fixture
def seeded(services: Services, keys_dir: Any) -> dict[str, dict[str, Any]]:
    docs = {
        "iom": document("iom", keys_dir=keys_dir, person_id="p-shared", name=("Alex", "Sample")),
        "sv": document("sv-hub", keys_dir=keys_dir, person_id="p-shared"),
        "engage": document(
            "engage-E01900012", keys_dir=keys_dir, rules=["excluded_child_violence"]
        ),
        "csh": document("complex-safeguarding", keys_dir=keys_dir),
    }
    for doc in docs.values():
        services.store.add_alert(doc)
    return docs


@pytest.fixture
def app_client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, services: Services, username: str, code: str | None = None) -> Any:
    right = totp_now(services, username)  # enrols the member on first use
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "code": code or right,
            "csrf_token": token.group(1),
        },
    )


def csrf_of(client: TestClient) -> str:
    me = client.get("/api/me")
    assert me.status_code == 200
    token: str = me.json()["csrf_token"]
    return token


def test_nothing_is_visible_without_signing_in(
    app_client: TestClient, seeded: dict[str, dict[str, Any]]
) -> None:
    for path in ("/", f"/alerts/{seeded['iom']['alert_id']}"):
        response = app_client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    for path in ("/api/alerts", f"/api/alerts/{seeded['iom']['alert_id']}", "/api/me"):
        assert app_client.get(path).status_code == 401
    opened = app_client.post(
        f"/api/alerts/{seeded['iom']['alert_id']}/identity", json={"reason": "x" * 30}
    )
    assert opened.status_code == 401
    assert app_client.get("/healthz").text == "ok"
    described = app_client.get("/api/openapi.json").json()
    assert set(described["paths"]) == {
        "/api/me",
        "/api/alerts",
        "/api/alerts/{alert_id}",
        "/api/alerts/{alert_id}/identity",
        "/api/alerts/{alert_id}/changes",
    }
    assert app_client.get("/docs").status_code == 404  # no Swagger UI from a CDN


def test_sign_in_needs_the_code_and_sets_a_strict_cookie(
    app_client: TestClient, services: Services
) -> None:
    assert sign_in(app_client, services, "iom.lead", code="000000").status_code == 401
    response = sign_in(app_client, services, "iom.lead")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "hub_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert app_client.get("/").status_code == 200
    assert services.metrics.logins.labels("success")._value.get() == 1
    assert services.metrics.logins.labels("bad_credentials")._value.get() == 1


def test_cookie_is_secure_unless_on_loopback(services: Services) -> None:
    from hub.inbox.web.services import build_services

    secure = services.settings.model_copy(update={"cookie_secure": "auto"})
    from prometheus_client import CollectorRegistry

    built = build_services(secure, CollectorRegistry(), store=services.store)
    with TestClient(create_app(built), base_url="https://inbox.example.org") as client:
        assert "Secure" in client.get("/login").headers["set-cookie"]
    with TestClient(create_app(built), base_url="http://127.0.0.1:8080") as client:
        assert "Secure" not in client.get("/login").headers["set-cookie"]


def test_login_without_the_login_csrf_token_is_refused(
    app_client: TestClient, services: Services
) -> None:
    response = app_client.post(
        "/login",
        data={"username": "iom.lead", "password": PASSWORD, "code": totp_now(services, "iom.lead")},
    )
    assert response.status_code == 403


def test_members_see_only_their_own_panels_alerts(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    sign_in(app_client, services, "iom.officer")
    listed = app_client.get("/api/alerts").json()
    assert [a["alert_id"] for a in listed] == [seeded["iom"]["alert_id"]]
    page = app_client.get("/")
    assert seeded["iom"]["alert_id"] in page.text
    assert seeded["csh"]["alert_id"] not in page.text
    for other in ("sv", "engage", "csh"):
        alert_id = seeded[other]["alert_id"]
        assert app_client.get(f"/alerts/{alert_id}").status_code == 404
        assert app_client.get(f"/api/alerts/{alert_id}").status_code == 404
    assert app_client.get("/api/alerts/a-does-not-exist").status_code == 404


def test_engage_template_members_see_every_area(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    sign_in(app_client, services, "engage.chair")
    listed = app_client.get("/api/alerts", params={"area": "E01900012"}).json()
    assert [a["alert_id"] for a in listed] == [seeded["engage"]["alert_id"]]
    assert app_client.get("/api/alerts", params={"rule": "repeat_victim"}).json() == []


def test_identity_opener_opens_with_a_reason_and_it_is_audited(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    alert_id = seeded["iom"]["alert_id"]
    sign_in(app_client, services, "iom.lead")
    csrf = csrf_of(app_client)
    url = f"/api/alerts/{alert_id}/identity"
    assert app_client.post(url, json={"reason": "panel review today"}).status_code == 403  # CSRF
    short = app_client.post(url, json={"reason": "short"}, headers={"X-CSRF-Token": csrf})
    assert short.status_code == 400
    opened = app_client.post(
        url, json={"reason": "panel review today"}, headers={"X-CSRF-Token": csrf}
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["identity"]["given_name"] == "Alex"
    assert opened.json()["identity"]["family_name"] == "Sample"
    with services.store.engine.connect() as conn:
        opening = [r for r in audit.records(conn) if r.action == "identity.open"]
    assert len(opening) == 1
    assert (opening[0].actor, opening[0].alert_id, opening[0].panel) == (
        "iom.lead",
        alert_id,
        "iom",
    )
    assert opening[0].detail == {"reason": "panel review today"}
    assert services.metrics.openings.labels("iom")._value.get() == 1
    assert services.store.verify_audit()[0] >= 1


def test_member_without_the_role_is_refused_and_audited(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    alert_id = seeded["iom"]["alert_id"]
    sign_in(app_client, services, "iom.officer")
    csrf = csrf_of(app_client)
    refused = app_client.post(
        f"/api/alerts/{alert_id}/identity",
        json={"reason": "I would like to know please"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 403
    assert "Alex" not in refused.text
    page = app_client.get(f"/alerts/{alert_id}")
    assert 'id="no-identity-role"' in page.text
    form = app_client.post(
        f"/alerts/{alert_id}/identity", data={"reason": "x" * 30, "csrf_token": csrf}
    )
    assert form.status_code == 403
    with services.store.engine.connect() as conn:
        denied = [r for r in audit.records(conn) if r.action == "identity.denied"]
    assert [(r.actor, r.alert_id) for r in denied] == [("iom.officer", alert_id)] * 2


def test_identity_of_another_panels_alert_is_not_found(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    sign_in(app_client, services, "iom.lead")
    csrf = csrf_of(app_client)
    response = app_client.post(
        f"/api/alerts/{seeded['csh']['alert_id']}/identity",
        json={"reason": "guessing another panel's id"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404


def test_page_opening_shows_the_clear_name(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    alert_id = seeded["iom"]["alert_id"]
    sign_in(app_client, services, "iom.lead")
    csrf = csrf_of(app_client)
    page = app_client.post(
        f"/alerts/{alert_id}/identity", data={"reason": "needed for the panel", "csrf_token": csrf}
    )
    assert page.status_code == 200
    assert "Alex Sample" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_status_changes_by_role_each_audited(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]], clock: Clock
) -> None:
    alert_id = seeded["iom"]["alert_id"]
    sign_in(app_client, services, "iom.officer")
    csrf = csrf_of(app_client)
    url = f"/api/alerts/{alert_id}/changes"
    headers = {"X-CSRF-Token": csrf}
    assert (
        app_client.post(url, json={"change": "acknowledge"}, headers=headers).json()["status"]
        == "acknowledged"
    )
    assert app_client.post(url, json={"change": "close"}, headers=headers).status_code == 403
    no_note = app_client.post(url, json={"change": "action", "action": "referred"}, headers=headers)
    assert no_note.status_code == 400
    done = app_client.post(
        url,
        json={"change": "action", "action": "support offered", "note": "met at home"},
        headers=headers,
    )
    assert done.json()["action_taken"] == "support offered"

    clock.advance(30)  # a fresh TOTP step for the chair's sign-in
    sign_in(app_client, services, "iom.lead")
    headers = {"X-CSRF-Token": csrf_of(app_client)}
    bad = app_client.post(url, json={"change": "assign", "assignee": "csh.lead"}, headers=headers)
    assert bad.status_code == 400
    assigned = app_client.post(
        url, json={"change": "assign", "assignee": "iom.officer"}, headers=headers
    )
    assert assigned.json()["assignee"] == "iom.officer"
    form = app_client.post(
        f"/alerts/{alert_id}/change",
        data={"change": "close", "note": "done", "csrf_token": headers["X-CSRF-Token"]},
    )
    assert form.status_code == 303
    detail = app_client.get(f"/api/alerts/{alert_id}").json()
    assert detail["status"] == "closed"
    assert [n["kind"] for n in detail["notes"]] == ["acknowledge", "action", "assign", "close"]
    with services.store.engine.connect() as conn:
        actions = [r.action for r in audit.records(conn) if r.alert_id == alert_id]
    assert actions == [
        "alert.acknowledge",
        "alert.denied",
        "alert.action",
        "alert.assign",
        "alert.close",
    ]
    assert services.store.verify_audit()[0] > 5


def test_related_panels_only_where_policy_allows(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]], clock: Clock
) -> None:
    sign_in(app_client, services, "iom.lead")
    detail = app_client.get(f"/api/alerts/{seeded['iom']['alert_id']}").json()
    assert [r["panel"] for r in detail["related"]] == ["sv-hub"]
    assert detail["policy_version"] == "2026.1"
    assert detail["rule_descriptions"]["repeat_victim"].startswith("A violent victimisation")
    assert [e["partner"] for e in detail["evidence"]] == ["police", "ed", "school"]
    clock.advance(30)
    sign_in(app_client, services, "csh.lead")
    other = app_client.get(f"/api/alerts/{seeded['csh']['alert_id']}").json()
    assert other["related"] is None


def test_session_expires_when_idle(
    app_client: TestClient, services: Services, clock: Clock
) -> None:
    sign_in(app_client, services, "iom.lead")
    assert app_client.get("/").status_code == 200
    clock.advance(services.settings.session_idle_s + 1)
    response = app_client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?expired=1")
    assert app_client.get("/api/me").status_code == 401


def test_sign_out_ends_the_session(app_client: TestClient, services: Services) -> None:
    sign_in(app_client, services, "iom.lead")
    csrf = csrf_of(app_client)
    assert app_client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert app_client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert app_client.get("/api/me").status_code == 401


def test_metrics_follow_the_contract(
    app_client: TestClient, services: Services, seeded: dict[str, dict[str, Any]]
) -> None:
    text = app_client.get("/metrics").text
    assert 'hub_inbox_alerts{panel="iom",status="new"} 1.0' in text
    assert 'hub_inbox_alerts{panel="engage",status="new"} 1.0' in text
    assert 'hub_inbox_logins_total{outcome="locked"} 0.0' in text
    assert 'hub_inbox_identity_openings_total{panel="iom"} 0.0' in text
    assert seeded["iom"]["person_id"] not in text
    assert seeded["iom"]["alert_id"] not in text


def test_healthz_says_why_when_the_key_is_missing(
    app_client: TestClient, services: Services, keys_dir: Any
) -> None:
    (keys_dir / "recipient-panels.private.json").unlink()
    response = app_client.get("/healthz")
    assert response.status_code == 503
    assert "identity key missing" in response.text


def test_pages_escape_what_they_show(
    app_client: TestClient, services: Services, keys_dir: Any
) -> None:
    doc = document("iom", keys_dir=keys_dir)
    doc["fields"]["area"] = "<script>alert(1)</script>"
    services.store.add_alert(doc)
    sign_in(app_client, services, "iom.lead")
    page = app_client.get(f"/alerts/{doc['alert_id']}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_signing_in_again_replaces_the_session(
    app_client: TestClient, services: Services, clock: Clock
) -> None:
    sign_in(app_client, services, "iom.lead")
    old = app_client.cookies.get("hub_session")
    assert old
    clock.advance(30)
    sign_in(app_client, services, "iom.lead")
    assert app_client.cookies.get("hub_session") != old
    assert services.sessions.get(old) is None
    assert app_client.get("/api/me").status_code == 200


def test_a_failed_opening_is_audited_and_shows_nothing(
    app_client: TestClient, services: Services, keys_dir: Any
) -> None:
    doc = document("iom", keys_dir=keys_dir)
    doc["evidence"] = [dict(e, event_id="ev-elsewhere") for e in doc["evidence"]]
    services.store.add_alert(doc)
    sign_in(app_client, services, "iom.lead")
    response = app_client.post(
        f"/api/alerts/{doc['alert_id']}/identity",
        json={"reason": "panel review today"},
        headers={"X-CSRF-Token": csrf_of(app_client)},
    )
    assert response.status_code == 500
    assert "does not open" in response.json()["detail"]
    with services.store.engine.connect() as conn:
        actions = [r.action for r in audit.records(conn) if r.alert_id == doc["alert_id"]]
    assert actions == ["identity.open", "identity.failed"]
