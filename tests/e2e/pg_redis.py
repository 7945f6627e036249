"""Real PostgreSQL and Redis for the scale-out tests, started with the production scripts
(deploy/postgres.sh, deploy/redis.sh) on free ports in temporary directories, and stopped afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict

from servers import ROOT, free_port


@dataclass
class PgRedis:
    workdir: Path
    db_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    db_password: str = field(default_factory=lambda: secrets.token_hex(12))
    redis_password: str = field(default_factory=lambda: secrets.token_hex(12))

    def env(self) -> Dict[str, str]:
        """What scripts/run_production.sh needs to use these two servers (as a hospital's own would be)."""
        return {
            "NETGUIDE_DB_HOST": "127.0.0.1",
            "NETGUIDE_DB_PORT": str(self.db_port),
            "NETGUIDE_DB_NAME": "netguide",
            "NETGUIDE_DB_USER": "netguide",
            "NETGUIDE_DB_PASSWORD": self.db_password,
            "NETGUIDE_REDIS_HOST": "127.0.0.1",
            "NETGUIDE_REDIS_PORT": str(self.redis_port),
            "NETGUIDE_REDIS_PASSWORD": self.redis_password,
            "NETGUIDE_PG_DIR": str(self.workdir / "postgres"),
            "NETGUIDE_REDIS_DIR": str(self.workdir / "redis"),
        }

    def _run(self, script: str, command: str) -> None:
        env = {**os.environ, **self.env()}
        done = subprocess.run([str(ROOT / "deploy" / script), command], env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"deploy/{script} {command} failed:\n{done.stdout}\n{done.stderr}")

    def start_postgres(self) -> None:
        self._run("postgres.sh", "start")

    def stop_postgres(self) -> None:
        self._run("postgres.sh", "stop")

    def start_redis(self) -> None:
        self._run("redis.sh", "start")

    def stop_redis(self) -> None:
        self._run("redis.sh", "stop")

    def sql(self, query: str) -> str:
        """One query through psql (a direct look into the database, independent of Rasa)."""
        psql = shutil.which("psql") or "psql"
        done = subprocess.run(
            [psql, "-h", "127.0.0.1", "-p", str(self.db_port), "-U", "netguide", "-d", "netguide", "-w", "-tAq", "-c", query],
            env={**os.environ, "PGPASSWORD": self.db_password}, capture_output=True, text=True, timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()


def start_pg_redis() -> PgRedis:
    # Not under pytest's tmp_path: under root, PostgreSQL runs as the `postgres` user, which must be able
    # to reach its directory (pytest's base temp directory is private to the current user).
    workdir = Path(tempfile.mkdtemp(prefix="netguide-pg-redis-"))
    workdir.chmod(0o755)
    running = PgRedis(workdir=workdir)
    try:
        running.start_postgres()
        running.start_redis()
    except Exception:
        stop_pg_redis(running)
        raise
    return running


def stop_pg_redis(running: PgRedis) -> None:
    for stop in (running.stop_redis, running.stop_postgres):
        try:
            stop()
        except Exception as error:  # keep stopping the other one
            print(f"warning: {error}")
    shutil.rmtree(running.workdir, ignore_errors=True)
