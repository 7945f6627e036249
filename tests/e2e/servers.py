"""Start the real action server and Rasa server for end-to-end tests (once per test module)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_RASA = ROOT / ".venv" / "rasa"
VENV_ACTIONS = ROOT / ".venv" / "actions"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_model() -> Path:
    env = os.environ.get("NETGUIDE_MODEL")
    if env:
        return Path(env)
    models = sorted((ROOT / "models").glob("netguide-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model in models/; run `make setup` first")
    return models[-1]


def wait_until(url: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; log {log}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout}s; log {log}:\n{log.read_text()[-3000:]}")


@dataclass
class Servers:
    workdir: Path
    actions_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    endpoints_text: Optional[str] = None
    processes: List[subprocess.Popen] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def env(self) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT)
        env["NETGUIDE_ACTIONS_PORT"] = str(self.actions_port)
        return env

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        proc = subprocess.Popen(
            [str(VENV_ACTIONS / "bin" / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
            cwd=ROOT, env=self.env(), stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        self.processes.append(proc)
        wait_until(f"{self.actions_url}/health", 60, proc, log)
        self.actions_process = proc

    def start_rasa(self) -> None:
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(self.endpoints_text or (
            'action_endpoint:\n  url: http://127.0.0.1:${NETGUIDE_ACTIONS_PORT}/webhook\n'
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {self.workdir / 'tracker.db'}\n"
        ))
        log = self.workdir / "rasa.log"
        proc = subprocess.Popen(
            [str(VENV_RASA / "bin" / "rasa"), "run", "--model", str(current_model()), "--endpoints", str(endpoints),
             "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(self.rasa_port)],
            cwd=ROOT, env=self.env(), stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        self.processes.append(proc)
        wait_until(f"{self.rasa_url}/webhooks/rest/", 180, proc, log)
        self.rasa_process = proc

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()

    def say(self, sender: str, message: str, timeout: float = 30) -> list:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()


def text_of(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)
