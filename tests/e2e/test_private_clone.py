"""Issue 19 item 4: the production profile runs from a checkout inside a private folder (mode 700, what
`mktemp -d` makes and what many home directories are).

Started as root, nginx's workers and PostgreSQL run as other users, who cannot enter such a folder: the chat
page was a 404 through nginx, and PostgreSQL could not create its cluster in var/production/. This copies the
tracked files into a fresh `mktemp -d` folder (the shape of a clone; the environments and the model are the
main checkout's, as a clone's set-up would make them), runs scripts/run_production.sh there with its default
directories (one Rasa replica, one action server), and asks nginx for the chat page and an answer.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from servers import ROOT, current_model, free_port, text_of

READY_TIMEOUT = 300
# not needed to run the production profile, and the bulk of the checkout (scored sets)
SKIPPED = ("tests/", "bench/", "docs/")


def copy_tracked_files(destination: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        if not name or name.startswith(SKIPPED) or not (ROOT / name).exists():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    (destination / ".venv").symlink_to(ROOT / ".venv")


@pytest.fixture(scope="module")
def private_clone():
    folder = Path(tempfile.mkdtemp(prefix="netguide-private-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    clone = folder / "netguide"
    copy_tracked_files(clone)
    ports = {name: free_port() for name in ("rasa", "actions", "actions_lb", "public", "db", "redis")}
    env = {
        **os.environ,
        "NETGUIDE_SKIP_SETUP": "1",
        "NETGUIDE_MODEL": str(current_model()),
        "NETGUIDE_RASA_PORTS": str(ports["rasa"]),
        "NETGUIDE_ACTIONS_PORTS": str(ports["actions"]),
        "NETGUIDE_ACTIONS_LB_PORT": str(ports["actions_lb"]),
        "NETGUIDE_PUBLIC_PORT": str(ports["public"]),
        "NETGUIDE_DB_PORT": str(ports["db"]),
        "NETGUIDE_REDIS_PORT": str(ports["redis"]),
        "NETGUIDE_READY_TIMEOUT": str(READY_TIMEOUT),
    }
    for name in ("NETGUIDE_PROD_DIR", "NETGUIDE_PG_DIR", "NETGUIDE_REDIS_DIR", "NETGUIDE_NGINX_DIR",
                 "NETGUIDE_DB_HOST", "NETGUIDE_REDIS_HOST", "NETGUIDE_DB_PASSWORD", "NETGUIDE_REDIS_PASSWORD"):
        env.pop(name, None)  # the defaults, as `make run-production` in a clone has them
    prod = clone / "var" / "production"
    log = folder / "run_production.out"
    process = subprocess.Popen([str(clone / "scripts" / "run_production.sh")], cwd=clone, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + READY_TIMEOUT + 60
        while not (prod / "run" / "ready").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                logs = "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-1500:]}"
                                 for path in sorted((prod / "log").glob("*.log")))
                raise RuntimeError(f"run_production.sh did not get ready from {clone}:\n{log.read_text()[-4000:]}\n{logs}")
            time.sleep(1)
        yield clone, f"http://127.0.0.1:{ports['public']}", ports["db"]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the script stops what it started
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        cluster = prod / "postgres"
        if cluster.is_symlink():  # under root the cluster lives where the postgres user can reach it
            target = cluster.resolve()
            shutil.rmtree(target, ignore_errors=True)
            try:
                target.parent.rmdir()  # /var/lib/netguide, if nothing else is in it
            except OSError:
                pass
        shutil.rmtree(folder, ignore_errors=True)


def test_nginx_serves_the_chat_page_from_a_private_folder(private_clone):
    clone, url, _ = private_clone
    page = requests.get(f"{url}/", timeout=30)
    assert page.status_code == 200 and "config.js" in page.text
    for name in ("netguide.js", "netguide.css"):
        asset = requests.get(f"{url}/{name}", timeout=30)
        assert asset.status_code == 200 and asset.content == (clone / "web" / name).read_bytes()


def test_a_question_through_nginx_is_answered_and_stored_in_postgres(private_clone):
    clone, url, db_port = private_clone
    sender = f"private-{uuid.uuid4().hex[:8]}"
    first = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "Ki-67 is 12%, what grade?"},
                          timeout=60)
    assert first.status_code == 200 and "G2" in text_of(first.json())
    # the second turn needs the first one's case back from the tracker store
    second = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "why?"}, timeout=60)
    assert second.status_code == 200 and "WHO2019-GEP-KI67" in text_of(second.json())
    secrets = dict(line.split("=", 1) for line in
                   (clone / "var" / "production" / "secrets.env").read_text().splitlines() if "=" in line)
    rows = subprocess.run(
        [shutil.which("psql") or "psql", "-h", "127.0.0.1", "-p", str(db_port), "-U", "netguide", "-d", "netguide",
         "-w", "-tAq", "-c", f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'"],
        env={**os.environ, "PGPASSWORD": secrets["NETGUIDE_DB_PASSWORD"]}, capture_output=True, text=True, timeout=30,
    )
    assert rows.returncode == 0 and rows.stdout.strip() == "2", rows.stderr
