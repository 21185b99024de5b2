"""Ground truth, kept apart from the exports: who each record really is, and what happened.

Connectors never read these files; linkage and rules are scored against them. Files:

* ``records.csv``: partner, record_ref, record_version, person_id, expected (``accept`` or
  ``quarantine``): covers every exported row, bad rows included.
* ``events.csv``: one row per event (first versions only; updates are not new events), with
  what a rule needs: kind, occurred date, role, category, detail, age at the event, true
  home area and region, sex, the incident it belongs to (shared by the police crime
  and an ED attendance of the same assault), and whether the person was open to statutory
  services at the time (Youth Justice records say so: ``1``; otherwise blank).
* ``flags.csv``: the flags the default policy should raise, with their evidence
  (``hub.synth.expected``); ``hub evaluate --rules`` compares the hub's flags with them.
* ``people.csv``: every person with true identity and flags (risk tier, open to statutory
  services, identifiers).
* ``bad_rows.csv``: partner, file, row (data row, 1-based), line (physical line), kind,
  record_ref: where each deliberately bad row is and why it must be quarantined.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, NamedTuple

from hub.synth.population import Person

RECORDS_HEADER = ("partner", "record_ref", "record_version", "person_id", "expected")
EVENTS_HEADER = (
    "partner", "record_ref", "person_id", "kind", "occurred", "role", "category", "detail",
    "age", "area", "region", "sex", "incident", "open",
)  # fmt: skip
PEOPLE_HEADER = (
    "person_id", "sex", "birth_ym", "dob", "forename", "surname", "origin", "home_area",
    "region", "resident", "risk_tier", "open_to_statutory_services", "sen", "nhs_number",
    "pnc_id", "upn", "prison_number", "yj_case_id", "moves",
)  # fmt: skip
BAD_ROWS_HEADER = ("partner", "file", "row", "line", "kind", "record_ref")
FLAGS_HEADER = ("rule_id", "person_id", "key", "evidence")


class TruthEvent(NamedTuple):
    """One row of ``events.csv`` (strings as written, age as int)."""

    partner: str
    record_ref: str
    person_id: str
    kind: str
    occurred: str  # ISO date
    role: str
    category: str
    detail: str
    age: int
    area: str
    region: str
    sex: str
    incident: str
    open: str = ""  # "1": a Youth Justice record says open to statutory services


class TruthWriter:
    """Appends chunk after chunk to the truth files; memory never holds more than a chunk."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._files: list[IO[str]] = []
        self.records = self._open(folder / "records.csv", RECORDS_HEADER)
        self.events = self._open(folder / "events.csv", EVENTS_HEADER)
        self.people = self._open(folder / "people.csv", PEOPLE_HEADER)
        self.bad_rows = self._open(folder / "bad_rows.csv", BAD_ROWS_HEADER)
        self.flags = self._open(folder / "flags.csv", FLAGS_HEADER)

    def _open(self, path: Path, header: tuple[str, ...]) -> csv.Writer:  # type: ignore[name-defined]
        handle = path.open("w", newline="", encoding="utf-8")
        self._files.append(handle)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        return writer

    def person(self, p: Person) -> None:
        home = p.home[-1][1]
        self.people.writerow((
            p.pid, p.sex, f"{p.dob:%Y-%m}", p.dob.isoformat(), p.forename, p.surname, p.origin,
            home.area, home.region, int(p.resident), p.tier, int(p.open_services), p.sen,
            p.nhs, p.pnc or "", p.upn or "", p.prison_no or "", p.yj_case or "",
            len(p.home) - 1,
        ))  # fmt: skip

    def close(self) -> None:
        for handle in self._files:
            handle.close()


def read_events(path: Path) -> list[TruthEvent]:
    """Load ``events.csv`` (tests and small runs: it is read whole)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        events = []
        for row in reader:
            partner, ref, pid, kind, occurred, role, category, detail, age = row[:9]
            area, region, sex, incident = row[9:13]
            open_ = row[13] if len(row) > 13 else ""
            events.append(
                TruthEvent(
                    partner,
                    ref,
                    pid,
                    kind,
                    occurred,
                    role,
                    category,
                    detail,
                    int(age),
                    area,
                    region,
                    sex,
                    incident,
                    open_,
                )
            )
        return events
