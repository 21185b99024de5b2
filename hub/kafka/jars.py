"""Resolve the official Apache Kafka broker jars with Maven, once, and cache the classpath.

Maven keeps the jars in its own repository (~/.m2); we keep only the resolved classpath, keyed
by the pom's hash, so a warm start runs no Maven at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConfigurationError, SourceUnavailableError

log = logging.getLogger(__name__)

DEFAULT_POM = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "pom.xml"
_KAFKA_JAR = re.compile(r"kafka_2\.13-(?P<version>[\w.\-]+)\.jar$")
_MAVEN_TIMEOUT_S = 900


@dataclass(frozen=True)
class BrokerClasspath:
    """The broker's runtime classpath and the Kafka version it carries."""

    entries: tuple[Path, ...]
    kafka_version: str

    def as_arg(self) -> str:
        return os.pathsep.join(str(p) for p in self.entries)


def cache_dir() -> Path:
    """Per-user cache shared by every clone, so tests and demos resolve once."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "csp-hub" / "kafka"


def resolve_classpath(pom: Path | None = None, *, echo: bool = True) -> BrokerClasspath:
    """Return the cached classpath, or run Maven to resolve it (first run only)."""
    pom = (pom or DEFAULT_POM).resolve()
    if not pom.is_file():
        raise ConfigurationError(f"broker pom {pom} does not exist")
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    cached = cache_dir() / f"classpath-{digest}.txt"
    if cached.is_file():
        found = _parse(cached.read_text())
        if found is not None:
            return found
        log.info("cached classpath %s refers to missing jars; resolving again", cached)
    return _run_maven(pom, cached, echo=echo)


def _parse(text: str) -> BrokerClasspath | None:
    entries = tuple(Path(p) for p in text.strip().split(os.pathsep) if p)
    if not entries or not all(p.is_file() for p in entries):
        return None
    versions = [m["version"] for p in entries if (m := _KAFKA_JAR.search(p.name))]
    if len(versions) != 1:
        return None
    return BrokerClasspath(entries, versions[0])


def _run_maven(pom: Path, cached: Path, *, echo: bool) -> BrokerClasspath:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConfigurationError(
            "Maven (mvn) is not on PATH: it resolves the Apache Kafka jars. "
            "Install it, e.g. `apt-get install maven` (README, Prerequisites)."
        )
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".partial")
    if echo:
        print(f"Resolving the Apache Kafka broker jars with Maven ({pom.name}); first run only...")
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:build-classpath",
        "-Dmdep.includeScope=runtime",
        f"-Dmdep.outputFile={tmp}",
    ]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_MAVEN_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SourceUnavailableError(
            f"Maven did not resolve the Kafka jars within {_MAVEN_TIMEOUT_S}s"
        ) from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise SourceUnavailableError(f"Maven failed to resolve the Kafka jars:\n{tail}")
    found = _parse(tmp.read_text())
    if found is None:
        raise SourceUnavailableError(f"Maven's classpath {tmp} lacks the kafka_2.13 jar")
    tmp.replace(cached)
    return found
