"""`generate`: a whole synthetic partnership, chunk by chunk, streamed to disk.

Why chunks: every chunk (10,000 residents and their visitors) is generated from its own
seeded random stream, holds complete life histories of its people, and is written out
before the next begins. Memory is bounded by the chunk, the output is identical whatever
the order chunks run in, and the same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from hub.errors import ConfigurationError
from hub.rules.policy import DEFAULT_POLICY, load_policy
from hub.synth import justice
from hub.synth import params as P
from hub.synth.calibration import TARGETS, Tally, measure
from hub.synth.crime import CrimeModel
from hub.synth.education import SchoolModel
from hub.synth.expected import expected_flags
from hub.synth.exports import PARTNERS
from hub.synth.exports.base import BAD_KINDS, csv_line
from hub.synth.geography import Geography
from hub.synth.ids import Allocator
from hub.synth.names import NameBook
from hub.synth.noise import Noise, NoiseRates
from hub.synth.population import PopulationBuilder
from hub.synth.public import PopulationTally
from hub.synth.simulate import ChunkSim, Record
from hub.synth.spool import Spool
from hub.synth.truth import TruthEvent, TruthWriter

#: progress(stage, done, total): stage is "people" then "merge" (rows written).
Progress = Callable[[str, int, int], None]


def generate(
    p: P.SynthParams, out: Path, *, force: bool = False, rates: NoiseRates | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Generate the partnership's exports and ground truth under ``out``; return the manifest."""
    exports, truth_dir = out / "exports", out / "truth"
    if exports.exists() or truth_dir.exists():
        if not force:
            raise ConfigurationError(f"{out} already holds a synthetic run; pass --force")
        for folder in (exports, truth_dir, out / "public", out / ".spool"):
            shutil.rmtree(folder, ignore_errors=True)
    run = _Run(p, out, rates or NoiseRates(), progress)
    return run.execute()


class _Run:
    def __init__(
        self, p: P.SynthParams, out: Path, rates: NoiseRates, progress: Progress | None
    ) -> None:
        self.p, self.out, self.progress = p, out, progress
        self.names = NameBook()
        self.geo = Geography(p.people, p.chunk_size)
        self.builder = PopulationBuilder(p, self.geo, self.names)
        self.noise = Noise(self.names, rates, enabled=p.noise)
        self.clean = Noise(self.names, rates, enabled=False)
        self.rates = rates
        self.policy = load_policy(DEFAULT_POLICY)
        self.tally = Tally()
        self.counts: Counter[str] = Counter()
        self.flag_counts: Counter[str] = Counter()
        self.bad: Counter[str] = Counter()
        self.people: Counter[str] = Counter()
        self.population = PopulationTally(p.start_date, p.end_date)

    def execute(self) -> dict[str, Any]:
        p = self.p
        self.out.mkdir(parents=True, exist_ok=True)
        spool = Spool(self.out / ".spool")
        truth = TruthWriter(self.out / "truth")
        try:
            for chunk in range(p.chunks):
                self._chunk(chunk, spool, truth)
                if self.progress:
                    self.progress("people", min((chunk + 1) * p.chunk_size, p.people), p.people)
            total, done = sum(self.counts.values()), 0

            def row_done() -> None:
                nonlocal done
                done += 1
                if self.progress and done % 5_000 == 0:
                    self.progress("merge", done, total)

            files = spool.merge(
                self.out / "exports",
                lambda *coords: truth.bad_rows.writerow(coords),
                row_done if self.progress else None,
            )
            if self.progress:
                self.progress("merge", total, total)
        finally:
            truth.close()
        self.population.write(self.out / "public")
        manifest = self._manifest(files)
        (self.out / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        return manifest

    def _chunk(self, chunk: int, spool: Spool, truth: TruthWriter) -> None:
        p = self.p
        residents = min(p.chunk_size, p.people - chunk * p.chunk_size)
        rng = random.Random(f"synth:{p.seed}:{chunk}")  # noqa: S311  (simulation, not secrets)
        ids = Allocator(chunk, p.chunks, int(p.chunk_size * (1 + P.NON_RESIDENT_SHARE)) + 1)
        people = self.builder.build(chunk, residents, rng, ids)
        sim = ChunkSim(p, chunk, people, rng, ids, self.geo)
        school = SchoolModel(sim)
        crimes = CrimeModel(sim, school)
        justice.pre_period(sim)
        slots = crimes.slots() + school.slots()
        slots.sort()
        for at, kind, arg in slots:
            if kind == 0:
                crimes.on_crime(at, arg)
            elif kind == 1:
                crimes.on_ed_only(at)
            else:
                school.on_slot(at, arg)
        records = sim.records + self._bad_rows(chunk, sim.records, rng)
        self._write(chunk, records, spool, truth)
        self.population.add(people)
        for person in people:
            truth.person(person)
            self.people["residents" if person.resident else "non_residents"] += 1
            self.people[f"risk_tier_{person.tier}"] += 1
            self.people["nhs_outside_test_range"] += not person.nhs.startswith("999")

    def _bad_rows(self, chunk: int, records: list[Record], rng: random.Random) -> list[Record]:
        """This chunk's share of the deliberately bad rows, as labelled copies of real rows."""
        p, out = self.p, list[Record]()
        share = p.bad_rows // p.chunks + (chunk < p.bad_rows % p.chunks)
        if not share:
            return out
        for partner in PARTNERS:
            pool = [r for r in records if r.partner == partner and r.version == 1]
            for i, original in enumerate(rng.sample(pool, min(share, len(pool)))):
                kind = BAD_KINDS[(chunk * share + i) % len(BAD_KINDS)]
                out.append(replace(original, ref=original.ref + "Q", bad=kind))
        return out

    def _write(self, chunk: int, records: list[Record], spool: Spool, truth: TruthWriter) -> None:
        rng = random.Random(f"noise:{self.p.seed}:{chunk}")  # noqa: S311
        lines: dict[str, list[str]] = {partner: [] for partner in PARTNERS}
        events: list[TruthEvent] = []
        for rec in records:
            module = PARTNERS[rec.partner]
            ident = (self.clean if rec.bad else self.noise).identity(rec, rng)
            row = module.render(rec, ident)
            if rec.bad:
                module.corrupt(row, rec.bad, rng)
                self.bad[rec.partner] += 1
            if module.FORMAT == "csv":
                payload = csv_line([row[c] for c in module.COLUMNS])
            else:
                payload = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
            key = f"{rec.at:%Y-%m-%dT%H:%M}|{rec.ref}|{rec.version}"
            lines[rec.partner].append(
                f"{key}\t{rec.at:%Y%m}\t{rec.bad or '-'}\t{rec.ref}\t{payload}\n"
            )
            self.counts[rec.partner] += 1
            truth.records.writerow((rec.partner, rec.ref, rec.version, rec.person.pid,
                                    "quarantine" if rec.bad else "accept"))  # fmt: skip
            if rec.version == 1 and not rec.bad:
                home = rec.person.address_at(rec.occurred)
                event = TruthEvent(
                    rec.partner, rec.ref, rec.person.pid, rec.kind, rec.occurred.isoformat(),
                    rec.role, rec.category, rec.detail, rec.person.age_at(rec.occurred),
                    home.area, home.region, rec.person.sex, rec.incident,
                    "1" if rec.data.get("open") else "",
                )  # fmt: skip
                events.append(event)
                truth.events.writerow(event)
        self.counts["events"] += len(events)
        born = {rec.person.pid: rec.person.dob for rec in records}
        for flag in expected_flags(events, born, self.policy):
            truth.flags.writerow(flag.row())
            self.flag_counts[flag.rule_id] += 1
        self.tally += measure(events, self.p.start_date)
        for partner, partner_lines in lines.items():
            spool.write_run(partner, chunk, partner_lines)

    def _manifest(self, files: dict[str, Counter[str]]) -> dict[str, Any]:
        p = self.p
        return {
            "generator": "hub.synth",
            "generator_version": P.GENERATOR_VERSION,
            "seed": p.seed,
            "parameters": {
                "people": p.people,
                "years": p.years,
                "start_date": p.start_date.isoformat(),
                "end_date": p.end_date.isoformat(),
                "chunk_size": p.chunk_size,
                "bad_rows_per_partner": p.bad_rows,
                "noise": p.noise,
                "labels": p.labels,
            },
            "noise_rates": asdict(self.rates),
            "people": dict(sorted(self.people.items())),
            "records": {partner: self.counts[partner] for partner in PARTNERS},
            "events": self.counts["events"],
            "bad_rows": {partner: self.bad[partner] for partner in PARTNERS},
            "files": {partner: dict(sorted(f.items())) for partner, f in files.items()},
            "calibration": {
                name: {"measured": value, "target": TARGETS.get(name, (None, None))[0]}
                for name, value in self.tally.figures().items()
            },
            "rule_positives": self.tally.positives(),
            "expected_flags": dict(sorted(self.flag_counts.items())),
            "noise_applied": dict(sorted(self.noise.applied.items())),
        }
