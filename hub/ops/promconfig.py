"""The project's scrape configuration, pointed at processes on this machine.

deploy/prometheus/prometheus.yml names the compose stack's hosts; running Prometheus next to
the hub processes (docs/operations.md) or in the end-to-end test needs the same jobs on
127.0.0.1, the rules folder by absolute path, and sometimes other ports or faster intervals.
``python -m hub.ops.promconfig > .hub/prometheus.yml`` writes the local version.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
HUB_JOB_PREFIX = "hub-"  # the hub's own processes; other jobs keep their hosts


def local_config(
    *,
    host: str = "127.0.0.1",
    targets: Mapping[str, Sequence[str]] | None = None,
    interval_s: float | None = None,
    deploy_dir: Path = DEPLOY,
) -> dict[str, Any]:
    """The deployed configuration with the hub processes' compose hosts replaced by ``host``.

    ``targets`` (job name to host:port list) replaces the named jobs' targets and drops the
    jobs it does not name; ``interval_s`` sets scrape and evaluation intervals (tests: 1s)."""
    config: dict[str, Any] = yaml.safe_load((deploy_dir / "prometheus.yml").read_text())
    config["rule_files"] = [str((deploy_dir / p).resolve()) for p in config.get("rule_files", [])]
    if interval_s is not None:
        config["global"]["scrape_interval"] = f"{interval_s:g}s"
        config["global"]["evaluation_interval"] = f"{interval_s:g}s"
    jobs = []
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if targets is not None:
            if name not in targets:
                continue
            job["static_configs"] = [{"targets": list(targets[name])}]
        elif name.startswith(HUB_JOB_PREFIX):
            for static in job.get("static_configs", []):
                static["targets"] = [_rehost(t, host) for t in static["targets"]]
        jobs.append(job)
    if targets is not None:
        unknown = set(targets) - {j["job_name"] for j in jobs}
        if unknown:
            raise ValueError(f"no such scrape jobs in prometheus.yml: {sorted(unknown)}")
    config["scrape_configs"] = jobs
    return config


def _rehost(target: str, host: str) -> str:
    return f"{host}:{target.rpartition(':')[2]}"


def main(argv: list[str]) -> None:
    host = argv[0] if argv else "127.0.0.1"
    sys.stdout.write(yaml.safe_dump(local_config(host=host), sort_keys=False))


if __name__ == "__main__":
    main(sys.argv[1:])
