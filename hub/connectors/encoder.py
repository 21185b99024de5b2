"""A mapped record becomes the bytes that leave the partner: pseudonymised, sealed, encoded.

Everything identifying is turned into keyed tokens, a Bloom encoding and blocking keys here,
and the clear identity is sealed to the panels' key; nothing else about the person leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from fastavro import schemaless_writer

from hub.config import ConnectorSettings
from hub.connectors.batches import EncodedEvent
from hub.connectors.mapping import MappedRecord, PartnerMapping, PersonFacts
from hub.connectors.people import age_on
from hub.contracts.codec import MARKER, Codec
from hub.contracts.envelope import CloudEvent, event_id, event_type, partner_source
from hub.contracts.registry import Schema, load_registry
from hub.errors import ConfigurationError, SerializationError
from privacy.blocking import BlockingKeyer
from privacy.clk import ClkEncoder, PersonAttributes
from privacy.errors import KeyRingError
from privacy.identifiers import IdentifierType
from privacy.keyring import load_linkage, load_recipient_public, load_signing
from privacy.normalise import normalise_postcode, postcode_outward
from privacy.seal import Sealer
from privacy.tokens import Tokeniser


@dataclass(frozen=True)
class PartnerKeys:
    tokens: Tokeniser
    clk: ClkEncoder
    blocking: BlockingKeyer
    sealer: Sealer | None


def load_keys(settings: ConnectorSettings, partner: str) -> PartnerKeys:
    """The keys this partner's connector holds, with errors that say which file to fix."""
    folder = Path(settings.keys_dir)
    try:
        linkage = load_linkage(folder / "linkage.json")
        sealer = None
        if settings.seal_identity:
            sealer = Sealer(
                load_recipient_public(folder / f"recipient-{settings.recipient}.public.json"),
                load_signing(folder / f"signing-{partner}.json"),
            )
    except KeyRingError as exc:
        raise ConfigurationError(
            f"{exc} (create keys with `hub keys generate --out {folder}`)"
        ) from exc
    return PartnerKeys(Tokeniser(linkage), ClkEncoder(linkage), BlockingKeyer(linkage), sealer)


_SEALED = "uk.csp.hub.SealedIdentity"
_MEMO_LIMIT = 65_536  # people (and shared references) remembered per encoder
# The identity's leading fields, which depend on the person only (memoised with them).
_PERSON_FIELDS = ("tokens", "clk", "clk_key_version", "blocking_keys")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ENVELOPE = (
    ("event_id", "string"),
    ("partner", "enum"),
    ("schema_version", "int"),
    ("produced_at", "timestamp-millis"),
    ("source_record_ref", "string"),
    ("record_version", "int"),
)


def _shape(avro_type: Any) -> str:
    if isinstance(avro_type, str):
        return avro_type
    if avro_type.get("logicalType") == "timestamp-millis" and avro_type["type"] == "long":
        return "timestamp-millis"
    return str(avro_type["type"])


def _long(n: int) -> bytes:
    """Avro's int and long: zig-zag, then base-128 varint, low group first."""
    if -64 <= n < 64:  # one byte: versions, string lengths, enum indexes (looked up)
        return _ONE_BYTE[n + 64]
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_ONE_BYTE = tuple(bytes([(n << 1) ^ (n >> 63)]) for n in range(-64, 64))  # zig-zag 0..127


def _string(text: str) -> bytes:
    data = text.encode()
    return _long(len(data)) + data


# A person's tokens, Bloom encoding, blocking keys, and those fields Avro-encoded.
_Pseudonyms = tuple[list[dict[str, object]], bytes, list[str], bytes]


class _SplitWriter:
    """Writes a source event as ``Codec.encode`` does, with the person's fields pre-encoded.

    Avro's binary encoding of a record is its fields' encodings one after the other, with no
    framing, so the event's bytes are (envelope) + (the identity's tokens, Bloom encoding and
    blocking keys, ~30% of the fastavro work, encoded once per person) + (the rest of the
    identity and the body). Each part is written by fastavro against the contract's own
    parsed field schemas; tests check the bytes equal ``Codec.encode``'s.
    """

    def __init__(self, schema: Schema) -> None:
        self.prefix = MARKER + schema.fingerprint
        parsed = schema.parsed
        named = parsed["__named_schemas"]
        fields = parsed["fields"]
        identity = fields[1]["type"]["fields"]
        head = len(_PERSON_FIELDS)

        def part(chosen: list[dict[str, Any]]) -> dict[str, Any]:
            return {
                "type": "record",
                "name": f"{parsed['name']}.Part",
                "fields": chosen,
                "__fastavro_parsed": True,
                "__named_schemas": named,
            }

        self.envelope = part(fields[:1])
        self.person = part(identity[:head])
        self.rest = part(identity[head:] + fields[2:])
        # The envelope is the same six fields in every contract: written directly when so.
        envelope = fields[0]["type"]
        self.partners: dict[str, bytes] | None = None
        shape = [(f["name"], _shape(f["type"])) for f in envelope["fields"]]
        if shape == list(_ENVELOPE):
            symbols = envelope["fields"][1]["type"]["symbols"]
            self.partners = {s: _long(i) for i, s in enumerate(symbols)}

    @classmethod
    def fits(cls, schema: Schema) -> bool:
        """Envelope, then identity starting with the person's fields; no name used twice."""
        fields = schema.parsed["fields"]
        if [f["name"] for f in fields[:2]] != ["envelope", "identity"]:
            return False
        identity = fields[1]["type"]
        if not isinstance(identity, dict) or identity.get("type") != "record":
            return False
        names = [f["name"] for f in identity["fields"]]
        rest = names[len(_PERSON_FIELDS) :] + [f["name"] for f in fields[2:]]
        return tuple(names[: len(_PERSON_FIELDS)]) == _PERSON_FIELDS and len(set(rest)) == len(rest)

    def person_bytes(self, identity: dict[str, Any]) -> bytes:
        out = BytesIO()
        schemaless_writer(out, self.person, identity)
        return out.getvalue()

    def write(self, envelope: dict[str, Any], person: bytes, rest: dict[str, Any]) -> bytes:
        out = BytesIO()
        out.write(self.prefix)
        if self.partners is None:
            schemaless_writer(out, self.envelope, {"envelope": envelope})
        else:
            out.write(self._envelope(envelope, self.partners))
        out.write(person)
        schemaless_writer(out, self.rest, rest)
        return out.getvalue()

    @staticmethod
    def _envelope(envelope: dict[str, Any], partners: dict[str, bytes]) -> bytes:
        """The envelope as fastavro writes it (timestamp-millis as fastavro computes it)."""
        delta = envelope["produced_at"] - _EPOCH
        millis = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
        return b"".join(
            (
                _string(envelope["event_id"]),
                partners[envelope["partner"]],
                _long(envelope["schema_version"]),
                _long(millis),
                _string(envelope["source_record_ref"]),
                _long(envelope["record_version"]),
            )
        )


class SourceEncoder:
    def __init__(
        self,
        mapping: PartnerMapping,
        keys: PartnerKeys,
        withhold: list[str],
        codec: Codec | None = None,
    ) -> None:
        self.mapping = mapping
        self.keys = keys
        self.codec = codec or Codec()
        self.schema = load_registry().get(mapping.SCHEMA)
        self.withhold = withhold
        self._memo: dict[tuple[PersonFacts, tuple[str, ...]], _Pseudonyms] = {}
        self._split = _SplitWriter(self.schema) if _SplitWriter.fits(self.schema) else None
        self._ref_memo: dict[tuple[str, str], str] = {}
        self._tokenised = tuple(getattr(mapping, "TOKENISED_BODY_FIELDS", ()))
        # CloudEvents headers: built once by CloudEvent, then only the id and time change.
        self._headers = CloudEvent(
            "",
            partner_source(mapping.PARTNER),
            event_type(mapping.SCHEMA, self.schema.version),
            datetime.now(UTC),
            self.schema.fingerprint.hex(),
        ).headers()
        nullable = {
            f["name"]
            for f in self.schema.definition["fields"]
            if isinstance(f["type"], list) and "null" in f["type"]
        }
        if wrong := sorted(set(withhold) - nullable):
            raise ConfigurationError(
                f"connector.withhold.{mapping.PARTNER}: {', '.join(wrong)} cannot be withheld "
                f"(not an optional field of {mapping.SCHEMA}; "
                f"optional: {', '.join(sorted(nullable))})"
            )

    def encode(self, record: MappedRecord) -> EncodedEvent:
        partner = self.mapping.PARTNER
        tokens = self.keys.tokens
        ref = tokens.current(IdentifierType.LOCAL, record.record_ref, namespace=f"{partner}/record")
        eid = event_id(partner, ref, record.record_version)
        produced = datetime.now(UTC)
        envelope: dict[str, Any] = {
            "event_id": eid,
            "partner": partner,
            "schema_version": self.schema.version,
            "produced_at": produced,
            "source_record_ref": ref,
            "record_version": record.record_version,
        }
        identity, person = self._identity(record, eid)
        split = self._split
        # Split: the identity's and the body's fields in one dict (their names differ).
        fields: dict[str, Any] = (
            identity if split is not None else {"envelope": envelope, "identity": identity}
        )
        fields.update(record.body)
        for name in self._tokenised:
            fields[name] = self._shared_ref(name, fields[name])
        for name in self.withhold:
            fields[name] = None
        if split is None:
            value = self.codec.encode(self.mapping.SCHEMA, fields)
        else:
            try:
                value = split.write(envelope, person, fields)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise SerializationError(
                    f"{self.mapping.SCHEMA}: record does not fit the schema: {exc}"
                ) from exc
        headers = self._headers.copy()  # CloudEvent.headers(), the same bytes
        headers[1] = ("ce_id", eid.encode())
        headers[4] = ("ce_time", produced.isoformat(timespec="milliseconds").encode())
        return EncodedEvent(eid, ref.encode(), value, headers)

    def _shared_ref(self, field: str, value: str) -> str:
        """Token of a reference several records share (a crime's reference); memoised."""
        found = self._ref_memo.get((field, value))
        if found is None:
            found = self.keys.tokens.current(
                IdentifierType.LOCAL, value, namespace=f"{self.mapping.PARTNER}/{field}"
            )
            if len(self._ref_memo) >= _MEMO_LIMIT:
                self._ref_memo.clear()
            self._ref_memo[(field, value)] = found
        return found

    def _pseudonyms(self, person: PersonFacts, local_ids: tuple[str, ...]) -> _Pseudonyms:
        """Tokens, Bloom encoding and blocking keys of one person as recorded here.

        They depend only on the person's facts (and the keys), and one person recurs across
        a partner's records (60% of police rows in the synthetic partnership), so they are
        memoised in memory, bounded, for the life of this encoder. Nothing is shared between
        events but these read-only values.
        """
        memo_key = (person, local_ids)
        found = self._memo.get(memo_key)
        if found is None:
            partner, tokens = self.mapping.PARTNER, self.keys.tokens
            token_list = [
                t
                for kind, value in person.identifiers
                for t in tokens.token_dicts(IdentifierType(kind), value)
            ]
            token_list += [
                t
                for local in local_ids
                for t in tokens.token_dicts(IdentifierType.LOCAL, local, namespace=partner)
            ]
            attrs = PersonAttributes(
                person.given_name,
                person.family_name,
                person.date_of_birth,
                person.sex,
                person.postcode,
            )
            clk, blocking = self.keys.clk.encode(attrs), self.keys.blocking.keys(attrs)
            encoded = b""
            if self._split is not None:
                encoded = self._split.person_bytes(
                    {
                        "tokens": token_list,
                        "clk": clk,
                        "clk_key_version": self.keys.clk.version,
                        "blocking_keys": blocking,
                    }
                )
            found = (token_list, clk, blocking, encoded)
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[memo_key] = found
        return found

    def _identity(self, record: MappedRecord, eid: str) -> tuple[dict[str, Any], bytes]:
        """The identity record's fields, and its person fields already Avro-encoded."""
        person, partner = record.person, self.mapping.PARTNER
        found, clk, blocking_keys, encoded = self._pseudonyms(person, record.local_ids)
        postcode = normalise_postcode(person.postcode)
        dob = person.date_of_birth
        sealed: tuple[str, dict[str, Any]] | None = None
        if self.keys.sealer is not None:
            # fastavro's tuple notation names the union branch: no trial validation per record.
            sealed = (
                _SEALED,
                self.keys.sealer.seal_dict(
                    eid,
                    {
                        "given_name": person.given_name,
                        "family_name": person.family_name,
                        "date_of_birth": dob.isoformat() if dob else None,
                        "sex": person.sex,
                        "address": person.address,
                        "postcode": person.postcode,
                        "identifiers": dict(person.identifiers),
                        "partner": partner,
                        "record_ref": record.record_ref,
                    },
                ),
            )
        identity = {
            "tokens": found,
            "clk": clk,
            "clk_key_version": self.keys.clk.version,
            "blocking_keys": blocking_keys,
            "age_at_event": age_on(dob, record.occurred_at.date()),
            "birth_month": f"{dob.year:04d}-{dob.month:02d}" if dob else None,
            "sex": person.sex,
            "home_area": record.home_area or (postcode_outward(postcode) if postcode else None),
            "sealed": sealed,
        }
        return identity, encoded
