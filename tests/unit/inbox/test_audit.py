"""The hash-chained audit log: a clean chain verifies; an edit, a deletion or a reordering
is found and the first bad record named, also through `hub audit verify`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from hub.cli.main import app
from hub.inbox.errors import AuditChainBroken
from hub.inbox.store import InboxStore


def _chain(store: InboxStore, n: int = 5) -> None:
    for i in range(n):
        store.audit(
            "iom.lead", "identity.open", panel="iom", alert_id=f"a-{i}", detail={"reason": f"r{i}"}
        )


def _tamper(store: InboxStore, *statements: str) -> None:
    """What someone with write access to the database file could do: drop the guards first."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


def test_clean_chain_verifies(store: InboxStore) -> None:
    _chain(store)
    count, head = store.verify_audit()
    assert count == 5
    assert len(head) == 64


def test_the_database_refuses_update_and_delete(store: InboxStore) -> None:
    _chain(store, 2)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert store.verify_audit()[0] == 2


@pytest.mark.parametrize(
    ("statements", "bad_seq", "why"),
    [
        (['UPDATE audit_log SET detail = \'{"reason":"other"}\' WHERE seq = 3'], 3, "edited"),
        (["UPDATE audit_log SET actor = 'someone' WHERE seq = 1"], 1, "edited"),
        (["DELETE FROM audit_log WHERE seq = 2"], 3, "deleted"),
        (
            [  # renumber so no gap shows: the chain still breaks at the record after the hole
                "DELETE FROM audit_log WHERE seq = 2",
                "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2",
            ],
            2,
            "does not follow",
        ),
        (
            [  # swap records 3 and 4
                "UPDATE audit_log SET seq = 100 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = 100",
            ],
            3,
            "does not follow",
        ),
    ],
    ids=["edit-detail", "edit-actor", "delete", "delete-and-renumber", "reorder"],
)
def test_tampering_is_found_and_named(
    store: InboxStore, tmp_path: Path, statements: list[str], bad_seq: int, why: str
) -> None:
    _chain(store)
    _tamper(store, *statements)
    with pytest.raises(AuditChainBroken, match=why) as caught:
        store.verify_audit()
    assert caught.value.seq == bad_seq

    url = str(store.engine.url)
    result = CliRunner().invoke(app, ["audit", "verify", "--db", url])
    assert result.exit_code == 1, result.output
    assert f"audit record {bad_seq}" in result.output


def test_cli_verify_passes_on_a_clean_chain(store: InboxStore) -> None:
    _chain(store, 3)
    result = CliRunner().invoke(app, ["audit", "verify", "--db", str(store.engine.url)])
    assert result.exit_code == 0, result.output
    assert "3 records" in result.output
    assert store.verify_audit()[1] in result.output


def test_two_writers_on_one_database_keep_one_chain(tmp_path: Path) -> None:
    """The web app and the CLI (or two app processes) append at once: no fork, no loss."""
    import threading

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stores = [InboxStore.open(url), InboxStore.open(url)]
    errors: list[BaseException] = []

    def work(store: InboxStore, who: str) -> None:
        try:
            for i in range(15):
                store.audit(who, "identity.open", detail={"i": i})
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(stores[n % 2], f"user{n}")) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert stores[0].verify_audit()[0] == 60
    finally:
        for store in stores:
            store.close()


def test_exported_copy_verifies_alone_and_tampering_is_named(
    store: InboxStore, tmp_path: Path
) -> None:
    _chain(store)
    copy = tmp_path / "audit.jsonl"
    runner = CliRunner()
    url = str(store.engine.url)
    exported = runner.invoke(app, ["audit", "export", str(copy), "--db", url])
    assert exported.exit_code == 0, exported.output
    assert "wrote 5 records" in exported.output
    ok = runner.invoke(app, ["audit", "verify", "--jsonl", str(copy)])
    assert ok.exit_code == 0, ok.output
    lines = copy.read_text().splitlines()

    def check(changed: list[str], bad_seq: int) -> None:
        copy.write_text("\n".join(changed) + "\n")
        result = runner.invoke(app, ["audit", "verify", "--jsonl", str(copy)])
        assert result.exit_code == 1, result.output
        assert f"audit record {bad_seq}" in result.output

    check([*lines[:2], lines[2].replace('"r2"', '"r9"'), *lines[3:]], 3)  # edit
    check([*lines[:1], *lines[2:]], 3)  # delete
    check([lines[0], lines[2], lines[1], *lines[3:]], 3)  # reorder: 3 stands where 2 was


def test_expected_head_catches_records_cut_off_the_end(store: InboxStore) -> None:
    _chain(store, 4)
    _, head = store.verify_audit()
    _chain(store, 1)
    runner = CliRunner()
    url = str(store.engine.url)
    assert (
        runner.invoke(app, ["audit", "verify", "--db", url, "--expect-head", head]).exit_code == 0
    )
    _tamper(store, "DELETE FROM audit_log WHERE seq >= 4")
    assert store.verify_audit()[0] == 3  # the shorter chain is consistent by itself
    cut = runner.invoke(app, ["audit", "verify", "--db", url, "--expect-head", head])
    assert cut.exit_code == 1
    assert "records were cut off" in cut.output


def test_verify_of_a_missing_store_fails_rather_than_creating_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    result = CliRunner().invoke(app, ["audit", "verify", "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1
    assert "no inbox store" in result.output
    assert not missing.exists()
