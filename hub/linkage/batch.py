"""Batch linkage of person-record files (`hub link files`), through the stream's own path.

A partner's back catalogue is linked exactly as its live events would be: each row is
validated and normalised like a connector row (the same date parser, the same identifier
checks), pseudonymised with the same privacy functions (keyed tokens, CLK, blocking keys,
under the partnership's key ring), and linked by the same ``Linker`` with the same
thresholds. Nothing here scores or compares on its own: the output pairs are the linker's
clusters, each pair with the Dice score of its two encodings.

Every row ends in one outcome: encoded and linked, or quarantined with file, row, record id,
field and reason (never a value from the row).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hub.connectors.mapping import FieldProblem, optional, parsed_date
from hub.connectors.people import identifier
from hub.errors import ConfigurationError
from hub.linkage.linker import LinkCandidate, Linker, LinkerConfig
from hub.linkage.store import resolve
from privacy.blocking import BlockingKeyer
from privacy.clk import ClkEncoder, PersonAttributes, dice
from privacy.identifiers import IdentifierType
from privacy.keyring import LinkageKeys
from privacy.normalise import normalise_postcode
from privacy.tokens import Tokeniser

#: Sex codes partners use: letters, words, and the NHS Data Dictionary's person stated gender.
SEX_CODES = {
    "M": "M", "MALE": "M", "1": "M",
    "F": "F", "FEMALE": "F", "2": "F",
    "U": "U", "UNKNOWN": "U", "0": "U", "9": "U", "X": "U", "I": "U",
}  # fmt: skip
_POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds what; every field but the record id may be absent."""

    record_id: str
    given: str | None = None
    family: str | None = None
    dob: str | None = None
    dob_format: str = "%Y-%m-%d"
    sex: str | None = None
    postcode: str | None = None
    address: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, IdentifierType], ...] = ()  # (column, type)

    def columns(self) -> dict[str, str]:
        """Column -> the mapping option that names it (for error messages)."""
        named = {
            "--id": self.record_id,
            "--given": self.given,
            "--family": self.family,
            "--dob": self.dob,
            "--sex": self.sex,
            "--postcode": self.postcode,
        }
        out = {column: option for option, column in named.items() if column}
        out.update(dict.fromkeys(self.address, "--address"))
        out.update({column: "--identifier" for column, _ in self.identifiers})
        return out

    def with_overrides(self, overrides: dict[str, str]) -> ColumnMapping:
        """The same mapping with some columns renamed (the second file's own headers).

        ``address`` and ``identifier`` take several values joined by ``+``
        (``identifier=NHS:nhs+PNC:pnc``); an empty value means the file has no such column.
        """
        replace: dict[str, object] = {}
        for name, column in overrides.items():
            if name in ("given", "family", "dob", "sex", "postcode"):
                replace[name] = column or None
            elif name in ("record_id", "dob_format"):
                if not column:
                    raise ConfigurationError(f"{name} cannot be empty")
                replace[name] = column
            elif name == "address":
                replace["address"] = tuple(c for c in column.split("+") if c)
            elif name in ("identifier", "identifiers"):
                replace["identifiers"] = parse_identifiers([c for c in column.split("+") if c])
            else:
                raise ConfigurationError(
                    f"cannot override {name!r}; one of record_id, given, family, dob, "
                    "dob_format, sex, postcode, address, identifier"
                )
        return ColumnMapping(**{**self.__dict__, **replace})


def parse_identifiers(values: Sequence[str]) -> tuple[tuple[str, IdentifierType], ...]:
    """``COLUMN:TYPE`` options, TYPE one of nhs, pnc, upn, prison."""
    out = []
    kinds = [k.value for k in IdentifierType if k is not IdentifierType.LOCAL]
    for value in values:
        column, _, kind = value.rpartition(":")
        if not column or kind not in kinds:
            raise ConfigurationError(
                f"identifier {value!r}: expected COLUMN:TYPE, TYPE one of {', '.join(kinds)}"
            )
        out.append((column, IdentifierType(kind)))
    return tuple(out)


@dataclass(frozen=True)
class QuarantinedRow:
    file: str
    row: int  # 1-based data row (the header is not a row)
    record_id: str | None
    field: str | None
    kind: str
    reason: str


@dataclass(frozen=True)
class BatchRecord:
    side: int  # 0 the first file, 1 the second (event ids read "1:<record id>", "2:<...>")
    record_id: str
    candidate: LinkCandidate


@dataclass(frozen=True)
class MatchedPair:
    left_file: str
    left_id: str
    right_file: str
    right_id: str
    cluster: str
    method: str  # "exact": a shared identifier token; "fuzzy": encodings only
    score: float | None  # Dice of the two encodings; None when one has no encoding


@dataclass
class BatchSummary:
    rows: Counter[str] = field(default_factory=Counter)  # per file
    linked: Counter[str] = field(default_factory=Counter)
    quarantined: Counter[tuple[str, str]] = field(default_factory=Counter)  # (file, kind)
    methods: Counter[str] = field(default_factory=Counter)
    clusters: int = 0
    pairs: int = 0


class BatchEncoder:
    """Rows to link candidates, with the stream's normalisation and pseudonymisation."""

    def __init__(self, linkage: LinkageKeys) -> None:
        self.tokens = Tokeniser(linkage)
        self.clk = ClkEncoder(linkage)
        self.blocking = BlockingKeyer(linkage)

    def candidate(self, event_id: str, row: dict[str, str], m: ColumnMapping) -> LinkCandidate:
        """Raises ``FieldProblem`` naming the column when a value is not valid."""
        dob = parsed_date(row, m.dob, m.dob_format, allow_blank=True) if m.dob else None
        if dob is not None and not date(1900, 1, 1) <= dob <= date.today():
            raise FieldProblem(m.dob or "", "invalid_date", "a date of birth outside 1900-today")
        found: list[tuple[str, str]] = []
        for column, kind in m.identifiers:
            valid = identifier(row, column, kind)
            if valid is not None:
                found += [(t.type.value, t.value) for t in self.tokens.tokens(kind, valid[1])]
        attrs = PersonAttributes(
            optional(row, m.given) if m.given else None,
            optional(row, m.family) if m.family else None,
            dob,
            _sex(row, m.sex),
            _postcode(row, m),
        )
        if not found and not (attrs.given_name or attrs.family_name or attrs.date_of_birth):
            raise FieldProblem(
                m.record_id, "missing_field", "no identifier, name or date of birth to link on"
            )
        return LinkCandidate(
            event_id=event_id,
            partner="batch",
            tokens=tuple(found),
            clk=self.clk.encode(attrs),
            blocking_keys=tuple(self.blocking.keys(attrs)),
        )


def _sex(row: dict[str, str], column: str | None) -> str:
    value = optional(row, column) if column else None
    if value is None:
        return "U"
    code = SEX_CODES.get(value.upper())
    if code is None:
        raise FieldProblem(column or "", "unknown_code", f"unknown sex code {value!r}")
    return code


def _postcode(row: dict[str, str], m: ColumnMapping) -> str | None:
    """The postcode column, or else a postcode written in the address lines."""
    if m.postcode and (value := optional(row, m.postcode)):
        return value
    for column in m.address:
        text = (optional(row, column) or "").upper()
        if match := _POSTCODE_IN_TEXT.search(text):
            return normalise_postcode(match.group(1) + match.group(2))
    return None


def check_header(path: Path, header: Sequence[str] | None, mapping: ColumnMapping) -> None:
    if not header:
        raise ConfigurationError(f"{path}: empty file, no header row")
    missing = [(c, o) for c, o in mapping.columns().items() if c not in header]
    if missing:
        named = ", ".join(f"{c!r} (given as {o})" for c, o in missing)
        raise ConfigurationError(f"{path}: no column {named}; its columns are: {', '.join(header)}")


def check_files(paths: Sequence[Path], mappings: Sequence[ColumnMapping]) -> None:
    """Refuse a file whose header lacks a mapped column before anything is read or written."""
    for path, mapping in zip(paths, mappings, strict=True):
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                header = next(csv.reader(handle), None)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ConfigurationError(f"{path}: cannot read its header: {exc}") from exc
        check_header(path, header, mapping)


def count_rows(path: Path) -> int:
    """Data rows, for the progress bar (CSV quoting can hide newlines; close enough)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def read_file(
    path: Path,
    side: int,
    mapping: ColumnMapping,
    encoder: BatchEncoder,
    quarantine: Callable[[QuarantinedRow], None],
) -> Iterator[BatchRecord]:
    """Good rows as candidates; bad rows to ``quarantine``; a wrong header is refused whole."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot open: {exc}") from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            check_header(path, reader.fieldnames, mapping)
            seen: dict[str, int] = {}
            for number, row in enumerate(reader, start=1):
                record_id = optional(row, mapping.record_id)
                if None in row or any(v is None for v in row.values()):
                    quarantine(
                        QuarantinedRow(
                            path.name, number, record_id, None, "malformed_row",
                            "the row has a different number of fields than the header",
                        )
                    )  # fmt: skip
                    continue
                if record_id is None:
                    quarantine(
                        QuarantinedRow(
                            path.name, number, None, mapping.record_id, "missing_field",
                            "no record id",
                        )
                    )  # fmt: skip
                    continue
                if record_id in seen:
                    quarantine(
                        QuarantinedRow(
                            path.name, number, record_id, mapping.record_id, "duplicate_id",
                            f"record id already used at row {seen[record_id]}",
                        )
                    )  # fmt: skip
                    continue
                seen[record_id] = number
                try:
                    found = encoder.candidate(f"{side + 1}:{record_id}", row, mapping)
                except FieldProblem as problem:
                    quarantine(
                        QuarantinedRow(
                            path.name, number, record_id, problem.field, problem.kind,
                            problem.reason,
                        )
                    )  # fmt: skip
                    continue
                yield BatchRecord(side, record_id, found)
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise ConfigurationError(f"{path}: not readable as CSV: {exc}") from exc


def link_records(
    records: Iterator[BatchRecord],
    linker: Linker,
    files: Sequence[str],
    summary: BatchSummary,
    progress: Callable[[], None] = lambda: None,
) -> list[MatchedPair]:
    """Link every record in order, then list the pairs the clusters hold.

    With one file, every pair within a cluster; with two, only pairs across the files.
    """
    members: dict[str, list[BatchRecord]] = defaultdict(list)
    decided: list[tuple[BatchRecord, str]] = []
    for record in records:
        decision = linker.link(record.candidate)
        decided.append((record, decision.person_id))
        summary.linked[files[record.side]] += 1
        summary.methods[decision.method] += 1
        progress()
    for record, person in decided:
        members[resolve(linker.store, person)].append(record)
    pairs: list[MatchedPair] = []
    for cluster, group in members.items():
        if len(group) < 2:
            continue
        summary.clusters += 1
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if len(files) == 2 and a.side == b.side:
                    continue
                left, right = (a, b) if a.side <= b.side else (b, a)
                pairs.append(_pair(left, right, files, cluster))
    summary.pairs = len(pairs)
    return pairs


def _pair(a: BatchRecord, b: BatchRecord, files: Sequence[str], cluster: str) -> MatchedPair:
    shared = set(a.candidate.tokens) & set(b.candidate.tokens)
    clk_a, clk_b = a.candidate.clk, b.candidate.clk
    score = round(dice(clk_a, clk_b), 4) if clk_a and clk_b else None
    return MatchedPair(
        files[a.side], a.record_id, files[b.side], b.record_id, cluster,
        "exact" if shared else "fuzzy", score,
    )  # fmt: skip


def run_batch(
    paths: Sequence[Path],
    mappings: Sequence[ColumnMapping],
    linkage: LinkageKeys,
    quarantine: Callable[[QuarantinedRow], None],
    *,
    config: LinkerConfig | None = None,
    store: dict[str, object] | None = None,
    progress: Callable[[], None] = lambda: None,
) -> tuple[list[MatchedPair], BatchSummary, Linker]:
    """Link one file (duplicates within it) or two (matches across them)."""
    if not 1 <= len(paths) <= 2 or len(mappings) != len(paths):
        raise ConfigurationError("give one file (to find duplicates) or two (to match)")
    names = [p.name for p in paths]
    if len(names) == 2 and names[0] == names[1]:
        names = [str(p) for p in paths]
    check_files(paths, mappings)
    summary = BatchSummary()
    encoder = BatchEncoder(linkage)

    def counted(item: QuarantinedRow) -> None:
        summary.quarantined[(item.file, item.kind)] += 1
        quarantine(item)
        progress()

    def rows() -> Iterator[BatchRecord]:
        for side, (path, mapping) in enumerate(zip(paths, mappings, strict=True)):
            for record in read_file(path, side, mapping, encoder, counted):
                summary.rows[names[side]] += 1
                yield record

    linker = Linker(store if store is not None else {}, config)
    pairs = link_records(rows(), linker, names, summary, progress)
    for item, _ in summary.quarantined.items():
        summary.rows[item[0]] += summary.quarantined[item]
    return pairs, summary, linker


PAIR_HEADER = ("left_file", "left_id", "right_file", "right_id", "cluster", "method", "score")
QUARANTINE_HEADER = ("file", "row", "record_id", "field", "kind", "reason")


class QuarantineCsv:
    """Bad rows, as they come: where and why, never the row's values."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._out = csv.writer(self._handle, lineterminator="\n")
        self._out.writerow(QUARANTINE_HEADER)
        self.count = 0

    def __call__(self, item: QuarantinedRow) -> None:
        self._out.writerow(
            (item.file, item.row, item.record_id or "", item.field or "", item.kind, item.reason)
        )
        self.count += 1

    def close(self) -> None:
        self._handle.close()


def write_pairs(path: Path, pairs: Sequence[MatchedPair]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(PAIR_HEADER)
        for p in pairs:
            score = "" if p.score is None else f"{p.score:.4f}"
            out.writerow(
                (p.left_file, p.left_id, p.right_file, p.right_id, p.cluster, p.method, score)
            )
