"""Start, watch and stop the servers a benchmark needs: ports, readiness, resident memory.

Runs in the Rasa venv (stdlib + aiohttp only). Every process started here is stopped by the
same object, by its own id: the machine is shared.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
VENV_RASA = ROOT / ".venv" / "rasa"
VENV_ACTIONS = ROOT / ".venv" / "actions"
RASA = str(VENV_RASA / "bin" / "rasa")
ACTIONS_PYTHON = str(VENV_ACTIONS / "bin" / "python")

QUIET_ENV = {
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def url_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, OSError, ValueError):
        return False


def rss_mib(pid: int) -> Optional[float]:
    """Resident memory of a process and its children (from /proc), in MiB."""
    total_kib = 0
    seen = False
    for one in [pid] + _children(pid):
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
                    seen = True
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return round(total_kib / 1024, 1) if seen else None


def _children(pid: int) -> List[int]:
    found: List[int] = []
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        for task in tasks:
            text = (task / "children").read_text().split()
            for child in map(int, text):
                found.append(child)
                found.extend(_children(child))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return found


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log: Path
    started: float
    ready_after: Optional[float] = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


@dataclass
class ProcessGroup:
    """Processes started by one benchmark step; `stop()` ends exactly these."""

    workdir: Path
    procs: List[Proc] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: Dict[str, str], cwd: Path = ROOT) -> Proc:
        log = self.workdir / f"{name}.log"
        process = subprocess.Popen(
            list(argv), cwd=str(cwd), env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() can end its children too
        )
        proc = Proc(name=name, process=process, log=log, started=time.monotonic())
        self.procs.append(proc)
        return proc

    def wait_ready(self, proc: Proc, url: str, timeout: float) -> float:
        """Seconds from start until `url` answers; raises with the log tail if it never does."""
        deadline = proc.started + timeout
        while time.monotonic() < deadline:
            if proc.process.poll() is not None:
                raise RuntimeError(f"{proc.name} exited early (code {proc.process.returncode}); log {proc.log}:\n{proc.tail()}")
            if url_ok(url):
                proc.ready_after = time.monotonic() - proc.started
                return proc.ready_after
            time.sleep(0.1)
        raise RuntimeError(f"{proc.name} not ready at {url} after {timeout:.0f} s; log {proc.log}:\n{proc.tail()}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.process.poll() is None:
                try:
                    os.killpg(proc.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.process.wait(timeout=5)
        self.procs.clear()


def rasa_run_argv(model: Path, port: int, endpoints: Optional[Path], credentials: Path,
                  netguide: bool = False) -> List[str]:
    """NETguide runs as deployed, through its launcher (start-up checks, input guards, cached
    action-response validation); the reference bots run with plain `rasa run`."""
    if netguide:
        argv = [str(Path(RASA).parent / "python"), "-m", "bot.channels.rasa_server", "run"]
    else:
        argv = [RASA, "run", "--enable-api"]
    argv += ["--model", str(model), "--interface", "127.0.0.1", "--port", str(port), "--credentials", str(credentials)]
    if endpoints is not None:
        argv += ["--endpoints", str(endpoints)]
    return argv


def actions_argv(port: int) -> List[str]:
    """The action server as deployed: knowledge base loaded and validated before it listens."""
    return [ACTIONS_PYTHON, "-m", "actions.server", "--port", str(port)]


def redis_argv(port: int, workdir: Path) -> List[str]:
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(workdir)]
