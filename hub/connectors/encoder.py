"""A mapped record becomes the bytes that leave the partner: pseudonymised, sealed, encoded.

Everything identifying is turned into keyed tokens, a Bloom encoding and blocking keys here,
and the clear identity is sealed to the panels' key; nothing else about the person leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.config import ConnectorSettings
from hub.connectors.mapping import MappedRecord, PartnerMapping, PersonFacts
from hub.connectors.people import age_on
from hub.connectors.pipeline import EncodedEvent
from hub.contracts.codec import Codec
from hub.contracts.envelope import CloudEvent, event_id, event_type, partner_source
from hub.contracts.registry import load_registry
from hub.errors import ConfigurationError
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
        self._memo: dict[
            tuple[PersonFacts, tuple[str, ...]], tuple[list[dict[str, object]], bytes, list[str]]
        ] = {}
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
        fields: dict[str, Any] = {
            "envelope": {
                "event_id": eid,
                "partner": partner,
                "schema_version": self.schema.version,
                "produced_at": produced,
                "source_record_ref": ref,
                "record_version": record.record_version,
            },
            "identity": self._identity(record, eid),
        }
        fields.update(record.body)
        for name in self._tokenised:
            fields[name] = self._shared_ref(name, fields[name])
        for name in self.withhold:
            fields[name] = None
        value = self.codec.encode(self.mapping.SCHEMA, fields)
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

    def _pseudonyms(
        self, person: PersonFacts, local_ids: tuple[str, ...]
    ) -> tuple[list[dict[str, object]], bytes, list[str]]:
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
            found = (token_list, self.keys.clk.encode(attrs), self.keys.blocking.keys(attrs))
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[memo_key] = found
        return found

    def _identity(self, record: MappedRecord, eid: str) -> dict[str, Any]:
        person, partner = record.person, self.mapping.PARTNER
        found, clk, blocking_keys = self._pseudonyms(person, record.local_ids)
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
        return {
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
