"""The inbox served by uvicorn on a free loopback port, and Debian's headless Chromium.

No mocks: a real ASGI server in a thread, a real browser through chromedriver. If the browser
is missing the tests fail and say how to install it (deploy/setup-inbox-tests.sh, run by
`make test`), never skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from prometheus_client import CollectorRegistry
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from hub.config import InboxSettings
from hub.inbox.web.app import create_app
from hub.inbox.web.services import Services, build_services
from tests.unit.inbox.factory import document, make_keys

PASSWORD = "browser test passphrase"


@dataclass
class Served:
    url: str
    services: Services
    alerts: dict[str, dict[str, Any]]


class _Thread:
    def __init__(self, services: Services) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(create_app(services), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> _Thread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the inbox server did not start within 20 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def _serve(tmp: Path, **settings: Any) -> Iterator[Served]:
    keys = make_keys(tmp / "keys")
    config = InboxSettings(database_url=f"sqlite:///{tmp / 'inbox.db'}", keys_dir=keys, **settings)
    services = build_services(config, CollectorRegistry())
    alerts = {
        "iom": document(
            "iom",
            keys_dir=keys,
            person_id="p-b1",
            name=("Riley", "Testperson"),
            rules=["prison_release"],
        ),
        "iom-old": document(
            "iom",
            keys_dir=keys,
            rules=["several_agencies"],
            created_at=datetime(2026, 10, 1, tzinfo=UTC),
        ),
        "csh": document("complex-safeguarding", keys_dir=keys, name=("Casey", "Otherpanel")),
        "engage": document("engage-E01900012", keys_dir=keys, rules=["excluded_child_violence"]),
    }
    for doc in alerts.values():
        services.store.add_alert(doc)
    for user in ("iom.lead", "iom.officer", "csh.lead", "engage.chair", "nav.lead"):
        services.accounts.add(user, PASSWORD)
    with _Thread(services) as thread:
        yield Served(f"http://127.0.0.1:{thread.port}", services, alerts)
    services.close()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("inbox"), min_reason_length=15)


@pytest.fixture(scope="module")
def short_inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Sessions end after 3 idle seconds."""
    yield from _serve(tmp_path_factory.mktemp("short"), session_idle_s=3.0)


def _browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail(
            "Debian's chromium and chromium-driver are needed: run deploy/setup-inbox-tests.sh "
            "(make test does)",
            pytrace=False,
        )
    return chromium, driver


@pytest.fixture
def browser_factory() -> Iterator[Callable[..., webdriver.Chrome]]:
    chromium, driver_path = _browser_binaries()
    started: list[webdriver.Chrome] = []

    def make(width: int = 1280, height: int = 900) -> webdriver.Chrome:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--window-size={width},{height}",
        ):
            options.add_argument(arg)
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(15)
        started.append(driver)
        return driver

    yield make
    for driver in started:
        driver.quit()


@pytest.fixture
def browser(browser_factory: Callable[..., webdriver.Chrome]) -> webdriver.Chrome:
    return browser_factory()


def screenshot(driver: webdriver.Chrome, name: str) -> None:
    """Saved when HUB_INBOX_SCREENSHOTS names a folder (to look at the pages by eye)."""
    folder = os.environ.get("HUB_INBOX_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.fail(
            "Debian's postgresql is needed for the PostgreSQL store tests: run "
            "deploy/setup-inbox-tests.sh (make test does)",
            pytrace=False,
        )
    return found[-1].parent


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port; yields its admin URL.

    Outside pytest's own temp folders (private to the test user), because the server runs as
    the `postgres` user when the tests run as root, as PostgreSQL refuses root.
    """
    from hub.kafka.local import free_port

    bin_dir = _postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="hub-inbox-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120, cwd=root)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode()}\n{log}", pytrace=False)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(postgres: str) -> str:
    """A fresh database in the session's cluster, for one test."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgres.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres}/{name}"
