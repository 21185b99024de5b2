"""The inbox store: idempotent add_alert, filters, migrations, bad documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.inbox.errors import InvalidAlertDocument
from hub.inbox.migrations import MIGRATIONS, migrate
from hub.inbox.store import InboxStore
from tests.unit.inbox.factory import document


def test_add_alert_is_idempotent_on_alert_id(store: InboxStore) -> None:
    doc = document("iom")
    assert store.add_alert(doc) is True
    assert store.add_alert(doc) is False
    assert store.add_alert(dict(doc, rules=["prison_release"])) is False
    assert len(store.list_alerts(lambda _p: True)) == 1
    stored = store.get_alert(doc["alert_id"])
    assert stored is not None
    assert stored.document == doc
    assert stored.status == "new"
    assert stored.panel_family == "iom"
    assert stored.created_at == datetime(2026, 11, 20, 9, 30)


def test_list_is_newest_first_and_filters(store: InboxStore) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    old = document("iom", rules=["prison_release"], created_at=base, area="E01")
    mid = document(
        "iom", rules=["repeat_victim", "several_agencies"], created_at=base + timedelta(1)
    )
    new = document("engage-E02", rules=["excluded_child_violence"], created_at=base + timedelta(2))
    for doc in (old, mid, new):
        store.add_alert(doc)
    everything = store.list_alerts(lambda _p: True)
    assert [a.alert_id for a in everything] == [new["alert_id"], mid["alert_id"], old["alert_id"]]
    assert [a.alert_id for a in store.list_alerts(lambda p: p == "iom")] == [
        mid["alert_id"],
        old["alert_id"],
    ]
    by_rule = store.list_alerts(lambda _p: True, rule="several_agencies")
    assert [a.alert_id for a in by_rule] == [mid["alert_id"]]
    assert store.list_alerts(lambda _p: True, rule="agencies") == []
    assert [a.alert_id for a in store.list_alerts(lambda _p: True, area="E01")] == [old["alert_id"]]
    store.change(everything[0], "x", "acknowledge", status="acknowledged")
    assert [a.alert_id for a in store.list_alerts(lambda _p: True, status="acknowledged")] == [
        new["alert_id"]
    ]


def test_engage_area_comes_from_the_panel_id_when_fields_lack_it(store: InboxStore) -> None:
    doc = document("engage-E01900099")
    doc["fields"] = {}
    store.add_alert(doc)
    stored = store.get_alert(doc["alert_id"])
    assert stored is not None
    assert stored.area == "E01900099"
    assert stored.panel_family == "engage"


def test_related_alerts_are_same_person_other_panels(store: InboxStore) -> None:
    a = document("iom", person_id="p-1")
    b = document("sv-hub", person_id="p-1")
    c = document("sv-hub", person_id="p-2")
    for doc in (a, b, c):
        store.add_alert(doc)
    alert = store.get_alert(a["alert_id"])
    assert alert is not None
    assert [r.alert_id for r in store.related(alert)] == [b["alert_id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("alert_id"), "alert_id"),
        (lambda d: d.update(schema="other/1"), "schema"),
        (lambda d: d.update(panel="nobody"), "panel"),
        (lambda d: d.update(rules=[]), "rules"),
        (lambda d: d.update(evidence=[{"partner": "ed"}]), r"evidence\[0\].event_id"),
        (lambda d: d.update(created_at="yesterday"), "created_at"),
        (lambda d: d.update(created_at="2026-11-20T09:30:00"), "created_at"),
    ],
)
def test_bad_documents_are_refused_naming_the_field(
    store: InboxStore, change: object, field: str
) -> None:
    doc = document("iom")
    change(doc)  # type: ignore[operator]
    with pytest.raises(InvalidAlertDocument, match=field):
        store.add_alert(doc)
    assert store.list_alerts(lambda _p: True) == []


def test_migrations_run_once_and_record_their_versions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'inbox.db'}"
    store = InboxStore.open(url)
    try:
        assert migrate(store.engine) == []
        with store.engine.connect() as conn:
            versions = conn.execute(text("SELECT version FROM schema_migrations")).scalars()
            assert sorted(versions) == [v for v, _, _ in MIGRATIONS]
    finally:
        store.close()
    again = InboxStore.open(url)
    again.close()


def test_changes_are_noted_and_audited_in_one_chain(store: InboxStore) -> None:
    doc = document("iom")
    store.add_alert(doc)
    alert = store.get_alert(doc["alert_id"])
    assert alert is not None
    store.change(alert, "iom.lead", "acknowledge", status="acknowledged")
    store.change(alert, "iom.lead", "assign", status="assigned", assignee="iom.officer")
    store.change(
        alert, "iom.officer", "action", status="actioned", action_taken="referred", note="to MASH"
    )
    after = store.get_alert(doc["alert_id"])
    assert after is not None
    assert (after.status, after.assignee, after.action_taken) == (
        "actioned",
        "iom.officer",
        "referred",
    )
    assert [n.kind for n in store.notes(alert.alert_id)] == ["acknowledge", "assign", "action"]
    assert store.verify_audit()[0] == 3
    assert store.counts() == {("iom", "actioned"): 1}


def test_an_in_memory_store_is_one_database_for_every_thread() -> None:
    import threading

    store = InboxStore.open("sqlite:///:memory:")
    try:
        doc = document("iom")
        thread = threading.Thread(target=store.add_alert, args=(doc,))
        thread.start()
        thread.join(timeout=10)
        assert store.add_alert(doc) is False
        assert store.get_alert(doc["alert_id"]) is not None
    finally:
        store.close()
