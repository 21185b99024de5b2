"""The demo's lasting services: watching connectors, the inbox and Prometheus.

After the demo has published, linked and delivered, these stay up so a user can open the
inbox, read /metrics, query Prometheus and drop a new file into a partner's export folder to
watch it flow; ``hub demo stop`` ends them. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from hub.config import HubSettings, child_environment
from hub.errors import SourceUnavailableError
from hub.kafka.topics import PARTNERS
from hub.ops.promconfig import local_config
from hub.services import Service, Services
from hub.synth.exports import FOLDER_OF_PARTNER

DASHBOARD = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "dashboards" / "hub.json"
CONNECTOR_PORTS = dict(zip(PARTNERS, range(9101, 9106), strict=True))
INBOX_PORT = 8080
PROMETHEUS_PORT = 9090
DEMO_MEMBERS = ("engage.chair", "iom.lead", "csh.lead", "ac.lead", "nav.lead", "safe.lead")
"""Panel chairs (directory roles member, chair, identity-opener) the demo enrols."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    service: Service


def _hub(settings: HubSettings, name: str, args: list[str], **env: str) -> Service:
    marker = "hub.cli.main " + " ".join(args[:3])
    return Services(settings.state_dir).start(
        name,
        [sys.executable, "-m", "hub.cli.main", *args],
        child_environment(settings, **env),
        marker=marker,
    )


def start_connectors(settings: HubSettings, exports: Path) -> list[Endpoint]:
    """Each partner's connector watching its drop folder, serving /metrics. Files already
    published are skipped by the connector's checkpoint, so nothing is sent twice."""
    endpoints = []
    for partner, port in CONNECTOR_PORTS.items():
        service = _hub(
            settings,
            f"connector-{partner}",
            [
                "connector",
                "run",
                partner,
                "-i",
                str(exports / FOLDER_OF_PARTNER[partner]),
                "--watch",
            ],
            HUB_CONNECTOR__METRICS_PORT=str(port),
        )
        endpoints.append(
            Endpoint(f"connector {partner}", f"http://127.0.0.1:{port}/metrics", service)
        )
    return endpoints


def enrol_members(settings: HubSettings) -> Path:
    """Inbox accounts for the demo's panel chairs, passwords in a file only its owner reads."""
    from hub.inbox.accounts import Accounts
    from hub.inbox.store import InboxStore

    credentials = Path(settings.state_dir) / "demo-credentials.txt"
    lines = ["# Demo inbox accounts (synthetic panel members). TOTP: hub inbox user code <user>"]
    store = InboxStore.open(settings.inbox_database_url)
    try:
        accounts = Accounts(store, settings.inbox_settings())
        for username in DEMO_MEMBERS:
            password = secrets.token_urlsafe(12)
            accounts.add(username, password, replace=True, actor="demo")
            lines.append(f"{username} {password}")
    finally:
        store.close()
    credentials.touch(mode=0o600)
    credentials.chmod(0o600)
    credentials.write_text("\n".join(lines) + "\n")
    return credentials


def start_inbox(settings: HubSettings) -> Endpoint:
    service = _hub(settings, "inbox", ["inbox", "serve", "--port", str(INBOX_PORT)])
    url = f"http://127.0.0.1:{INBOX_PORT}"
    _wait_http(f"{url}/healthz", service, settings)
    return Endpoint("inbox", url + "/", service)


def start_prometheus(settings: HubSettings, targets: dict[str, list[str]]) -> Endpoint | None:
    """Debian's Prometheus with the project's rules, scraping the demo's processes; None
    when it is not installed (`make demo` installs it)."""
    binary = shutil.which("prometheus")
    if binary is None:
        return None
    home = Path(settings.state_dir).resolve() / "prometheus"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "prometheus.yml"
    config.write_text(yaml.safe_dump(local_config(targets=targets, interval_s=5), sort_keys=False))
    service = Services(settings.state_dir).start(
        "prometheus",
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}",
            "--log.level=warn",
        ],
        child_environment(settings),
        marker=f"--config.file={config}",
    )
    url = f"http://127.0.0.1:{PROMETHEUS_PORT}"
    _wait_http(f"{url}/-/ready", service, settings)
    return Endpoint("Prometheus", url + "/alerts", service)


def _wait_http(url: str, service: Service, settings: HubSettings, timeout_s: float = 60) -> None:
    services = Services(settings.state_dir)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if services.find(service.name) is None:
            raise SourceUnavailableError(f"{service.name} exited; see {service.log_file}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 (loopback)
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SourceUnavailableError(
        f"{service.name} did not answer {url} within {timeout_s:.0f}s; see {service.log_file}"
    )


def write_indicators(settings: HubSettings, console: Console) -> Path:
    """`hub indicators` over the linked events the demo's worker wrote: the board's report."""
    out = Path(settings.state_dir) / "indicators"
    log = Path(settings.state_dir) / "run" / "indicators.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with console.status("Computing the partnership's indicators (hub indicators)..."):
        done = subprocess.run(
            [sys.executable, "-m", "hub.cli.main", "indicators", "-o", str(out)],
            env=child_environment(settings),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        raise SourceUnavailableError(f"hub indicators failed; see {log}")
    return out


def start_lasting_services(settings: HubSettings, exports: Path, console: Console) -> Table:
    """Start what stays up after the demo and say where everything is."""
    with console.status("Starting the connectors' watchers, the inbox and Prometheus..."):
        connectors = start_connectors(settings, exports)
        credentials = enrol_members(settings)
        inbox = start_inbox(settings)
        targets = {
            "hub-connector": [f"127.0.0.1:{p}" for p in CONNECTOR_PORTS.values()],
            "hub-worker": [f"127.0.0.1:{settings.worker.metrics_port}"],
            "hub-inbox": [f"127.0.0.1:{INBOX_PORT}"],
        }
        prometheus = start_prometheus(settings, targets)
    table = Table("what", "where", title="10. Still running (stop with `hub demo stop`)")
    table.add_row(
        "panels' inbox",
        f"{inbox.url}  (accounts in {credentials}; TOTP code: `hub inbox user code <user>`)",
    )
    if prometheus is not None:
        table.add_row("Prometheus (alerts, graphs)", prometheus.url)
    else:
        table.add_row("Prometheus", "not installed: `make prometheus`, then `hub demo` again")
    table.add_row("worker /metrics", f"http://127.0.0.1:{settings.worker.metrics_port}/metrics")
    table.add_row("inbox /metrics", f"{inbox.url}metrics")
    for endpoint in connectors:
        table.add_row(f"{endpoint.name} /metrics", endpoint.url)
    table.add_row(
        "partners' drop folders", f"{exports}/<partner>/ (a new file there flows through)"
    )
    table.add_row(
        "Grafana dashboard", f"{DASHBOARD} (loads in `docker compose up`; docs/operations.md)"
    )
    table.add_row("logs", str(Path(settings.state_dir) / "run"))
    return table
