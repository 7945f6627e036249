"""Start the real action server and Rasa server for end-to-end tests (once per test module)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import yaml

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
    """The real servers, started through the same launchers as `make run` (actions.server, bot.channels.rasa_server).

    Each log is appended to (a restart keeps the earlier lines), so a test can read a whole session.
    """

    workdir: Path
    actions_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    endpoints_text: Optional[str] = None
    processes: List[subprocess.Popen] = field(default_factory=list)
    extra_env: Dict[str, Optional[str]] = field(default_factory=dict)  # e.g. {"NETGUIDE_ACTION_TIMEOUT": "2"}; None unsets
    credentials_path: Optional[Path] = None  # default: the project's credentials.yml
    actions_process: Optional[subprocess.Popen] = None
    rasa_process: Optional[subprocess.Popen] = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    @property
    def audit_dir(self) -> Path:
        return self.workdir / "audit"

    @property
    def actions_log(self) -> Path:
        return self.workdir / "actions.log"

    @property
    def rasa_log(self) -> Path:
        return self.workdir / "rasa.log"

    def env(self) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT)
        env["NETGUIDE_ACTIONS_PORT"] = str(self.actions_port)
        env["NETGUIDE_AUDIT_DIR"] = str(self.audit_dir)
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def actions_command(self) -> List[str]:
        return [str(VENV_ACTIONS / "bin" / "python"), "-m", "actions.server", "--port", str(self.actions_port)]

    def rasa_command(self, endpoints: Path) -> List[str]:
        return [str(VENV_RASA / "bin" / "python"), "-m", "bot.channels.rasa_server", "run",
                "--model", str(current_model()), "--endpoints", str(endpoints),
                "--credentials", str(self.credentials_path or ROOT / "credentials.yml"), "--port", str(self.rasa_port)]

    def _spawn(self, command: List[str], log: Path) -> subprocess.Popen:
        with log.open("a") as handle:
            proc = subprocess.Popen(command, cwd=ROOT, env=self.env(), stdout=handle, stderr=subprocess.STDOUT)
        self.processes.append(proc)
        return proc

    def start_actions(self) -> None:
        proc = self._spawn(self.actions_command(), self.actions_log)
        wait_until(f"{self.actions_url}/health", 60, proc, self.actions_log)
        self.actions_process = proc

    def write_endpoints(self) -> Path:
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(self.endpoints_text or self.shipped_endpoints_text())
        return endpoints

    def shipped_endpoints_text(self) -> str:
        """The shipped endpoints.yml (the settings users get) with this run's tracker database."""
        shipped = yaml.safe_load((ROOT / "endpoints.yml").read_text())
        shipped["tracker_store"]["db"] = str(self.tracker_db)
        return yaml.safe_dump(shipped, sort_keys=False)

    def start_rasa(self) -> None:
        proc = self._spawn(self.rasa_command(self.write_endpoints()), self.rasa_log)
        wait_until(f"{self.rasa_url}/webhooks/rest/", 180, proc, self.rasa_log)
        self.rasa_process = proc

    def _stop(self, proc: Optional[subprocess.Popen]) -> None:
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.processes:
            self.processes.remove(proc)

    def stop_actions(self) -> None:
        self._stop(self.actions_process)
        self.actions_process = None

    def stop_rasa(self) -> None:
        self._stop(self.rasa_process)
        self.rasa_process = None

    @contextmanager
    def running(self) -> Iterator["Servers"]:
        """The action server, then the Rasa server; both stopped on exit, also when starting failed."""
        try:
            self.start_actions()
            self.start_rasa()
            yield self
        finally:
            self.stop()

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)  # a test may have frozen it (SIGSTOP): let it exit cleanly
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()
        self.actions_process = self.rasa_process = None

    def post(self, body: bytes, content_type: str = "application/json", timeout: float = 30) -> requests.Response:
        """A raw POST to the REST webhook, for malformed requests."""
        return requests.post(f"{self.rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": content_type}, timeout=timeout)

    def say(self, sender: str, message: str, timeout: float = 30) -> list:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()


def text_of(replies: list) -> str:
    """Everything the replies say: each text (an answer's short form) and each answer's full form
    (`custom.full_text`), so a fragment of the details is found as before the short form existed."""
    texts = []
    for reply in replies:
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
        texts.append(reply.get("text") or custom.get("full_text") or "")
    return "\n".join(texts)
