"""Start the Rasa server the NETguide way: `python -m bot.channels.rasa_server [rasa run options]`.

Same options as `rasa run`; before Rasa starts it
- refuses any Rasa release other than the one requirements/rasa.txt pins (the patches below are written for it);
- checks the model file, credentials, endpoints and that the tracker (and lock) store can be reached,
  and stops with one clear line naming the file or the store and its address (no traceback);
- listens on 127.0.0.1 unless --interface or NETGUIDE_HOST says otherwise;
- keeps Rasa's HTTP API off unless NETGUIDE_ENABLE_API=1 (or --enable-api), and then refuses to start
  without a token (NETGUIDE_API_TOKEN or --auth-token, at least 16 characters); the token is passed to
  Rasa inside this process, so it never shows in the process list;
- allows cross-origin requests only from NETGUIDE_CORS_ORIGIN (or --cors); "*" is refused;
- caps request bodies at 1 MB (SANIC_REQUEST_MAX_SIZE) and installs bot.channels.runtime_guards;
- validates action-server responses with a validator built once (bot.channels.fast_action_validation)
  and sends the action server the latest turn, not the whole conversation (bot.channels.slim_action_calls),
  over a connection kept open between calls (bot.channels.action_connection).
"""

from __future__ import annotations

import argparse
import os
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, List, Optional, Sequence

EXIT_CONFIG = 2
MIN_TOKEN_CHARS = 16
DEFAULT_STORE_WAIT_S = 10.0  # a database started at the same time may need a few seconds


class StartupError(Exception):
    """A problem that stops the start; the message names the file or service and what to do."""


REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements" / "rasa.txt"


def pinned_rasa_version(requirements: Path = REQUIREMENTS) -> Optional[str]:
    """The Rasa version requirements/rasa.txt pins (the one place the pin lives)."""
    if not requirements.exists():
        return None
    for line in requirements.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep and name.strip().lower() == "rasa":
            return version.strip()
    return None


def check_rasa_version(installed: Optional[str] = None, pinned: Optional[str] = None) -> None:
    """bot.channels patches Rasa internals written against one release: any other release stops the start."""
    from importlib import metadata

    pinned = pinned if pinned is not None else pinned_rasa_version()
    try:
        installed = installed if installed is not None else metadata.version("rasa")
    except metadata.PackageNotFoundError:
        raise StartupError("Rasa is not installed in this environment; run `make setup`") from None
    if pinned and installed != pinned:
        raise StartupError(f"Rasa {installed} is installed, but NETguide patches Rasa internals written for "
                           f"Rasa {pinned} (requirements/rasa.txt); run `make setup` to install the pinned version")


def _truthy(value: Optional[str]) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-m", "--model")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--credentials", default="credentials.yml")
    parser.add_argument("-i", "--interface")
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("--auth-token")
    parser.add_argument("--cors", nargs="*")
    return parser


# --- files -------------------------------------------------------------------------------------


def check_model(path: Optional[str]) -> None:
    if not path:
        raise StartupError("no model given: pass --model models/netguide-<hash>.tar.gz (make setup trains it)")
    model = Path(path)
    if not model.is_file():
        raise StartupError(f"the model file {path} does not exist; run `make setup` to train it")
    try:
        with tarfile.open(model, "r:gz") as archive:
            names = {n.lstrip("/") for n in archive.getnames()}
    except (tarfile.TarError, OSError, EOFError) as error:
        raise StartupError(f"the model file {path} is not a readable Rasa model ({error}); "
                           "delete it and run `make setup` to train it again") from None
    if "metadata.json" not in names:
        raise StartupError(f"the model file {path} is not a Rasa model (no metadata.json inside); "
                           "delete it and run `make setup` to train it again")


def check_file(path: str, what: str) -> None:
    if not Path(path).is_file():
        raise StartupError(f"the {what} file {path} does not exist")


def read_endpoints(path: str) -> Any:
    from rasa.core.utils import AvailableEndpoints

    check_file(path, "endpoints")
    try:
        return AvailableEndpoints.read_endpoints(path)
    except Exception as error:  # noqa: BLE001 - e.g. a ${VARIABLE} that is not set, or bad YAML
        raise StartupError(f"the endpoints file {path} cannot be read: {str(error).splitlines()[0]}") from None


# --- stores ------------------------------------------------------------------------------------


def sql_url(config: Any) -> Any:
    """The SQLAlchemy URL Rasa's SQLTrackerStore would use for this endpoint config."""
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy.engine.url import make_url

    kw = config.kwargs
    port = int(kw["port"]) if kw.get("port") not in (None, "") else None
    url = SQLTrackerStore.get_db_url(kw.get("dialect", "sqlite"), config.url, port, kw.get("db", "rasa.db"),
                                     kw.get("username"), kw.get("password"), kw.get("login_db"), kw.get("query"))
    return make_url(url) if isinstance(url, str) else url


def _retry(check: Any, wait_s: float) -> Optional[str]:
    """Run check() until it passes or wait_s has passed; return the last error's first line, or None."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            check()
            return None
        except Exception as error:  # noqa: BLE001 - any failure to connect is reported the same way
            message = (str(error).strip().splitlines() or [type(error).__name__])[0]
            if time.monotonic() >= deadline:
                return message
            time.sleep(1)


def check_sql_store(config: Any, name: str, wait_s: float) -> None:
    import sqlalchemy as sa

    url = sql_url(config)
    shown = repr(url)  # SQLAlchemy hides the password as ***
    if url.get_backend_name() == "sqlite":
        db = Path(url.database or "")
        folder = db.parent if str(db.parent) else Path(".")
        if not folder.is_dir():
            raise StartupError(f"cannot open the {name} (SQL, {shown}): the folder {folder} does not exist; "
                               "create it or change tracker_store.db in the endpoints file")
        if not os.access(folder, os.W_OK) or (db.exists() and not os.access(db, os.W_OK)):
            raise StartupError(f"cannot open the {name} (SQL, {shown}): {db} is not writable by this user")
        wait_s = 0
    connect_args = {} if url.get_backend_name() == "sqlite" else {"connect_timeout": 3}
    engine = sa.create_engine(url, connect_args=connect_args)

    def connect() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    try:
        problem = _retry(connect, wait_s)
    finally:
        engine.dispose()
    if problem:
        raise StartupError(f"cannot reach the {name} (SQL, {shown}): {problem}. "
                           "Start the database or correct the address in the endpoints file")


def check_redis_store(config: Any, name: str, wait_s: float, default_db: int) -> None:
    import redis

    kw = config.kwargs
    host, port, db = config.url or "localhost", int(kw.get("port") or 6379), int(kw.get("db") or default_db)
    client = redis.Redis(host=host, port=port, db=db, username=kw.get("username"), password=kw.get("password"),
                         ssl=bool(kw.get("use_ssl")), socket_timeout=3, socket_connect_timeout=3)
    problem = _retry(client.ping, wait_s)
    if problem:
        raise StartupError(f"cannot reach the {name} (Redis, redis://{host}:{port}/{db}): {problem}. "
                           "Start Redis or correct the address in the endpoints file")


def check_stores(endpoints: Any, wait_s: float) -> None:
    tracker, lock = endpoints.tracker_store, endpoints.lock_store
    kind = (tracker.type or "").lower() if tracker else ""
    if kind == "sql" or kind.endswith("sqltrackerstore"):
        check_sql_store(tracker, "tracker store", wait_s)
    elif kind == "redis":
        check_redis_store(tracker, "tracker store", wait_s, 0)
    lock_kind = (lock.type or "").lower() if lock else ""
    if lock_kind == "redis":
        check_redis_store(lock, "lock store", wait_s, 1)


# --- security options --------------------------------------------------------------------------


def rasa_arguments(argv: Sequence[str], env: Optional[dict] = None) -> List[str]:
    """The `rasa run` arguments after applying NETguide's defaults and refusals."""
    env = os.environ if env is None else env
    known, _ = _parser().parse_known_args(argv)
    args = list(argv)
    if not known.interface:
        args += ["--interface", env.get("NETGUIDE_HOST") or "127.0.0.1"]
    enable_api = known.enable_api or _truthy(env.get("NETGUIDE_ENABLE_API"))
    if enable_api:
        token = known.auth_token or env.get("NETGUIDE_API_TOKEN") or ""
        if len(token) < MIN_TOKEN_CHARS:
            raise StartupError(
                "the Rasa HTTP API is enabled (NETGUIDE_ENABLE_API=1) but NETGUIDE_API_TOKEN is not set or shorter "
                f"than {MIN_TOKEN_CHARS} characters; set it to a long random string "
                "(e.g. `openssl rand -hex 32`) or leave the API off")
        if not known.enable_api:
            args.append("--enable-api")
        if not known.auth_token:
            args += ["--auth-token", token]
    cors = known.cors
    if cors is None:
        origins = (env.get("NETGUIDE_CORS_ORIGIN") or "").replace(",", " ").split()
        if origins:
            args += ["--cors", *origins]
            cors = origins
    if cors and any(origin.strip() == "*" for origin in cors):
        raise StartupError("cross-origin access for every site (--cors \"*\") is refused; set NETGUIDE_CORS_ORIGIN "
                           "to the address the chat page is served from, e.g. https://netguide.hospital.example")
    return args


def preflight(argv: Sequence[str]) -> List[str]:
    """Check everything that can be checked before Rasa loads; return the arguments for `rasa run`."""
    check_rasa_version()
    args = rasa_arguments(argv)
    known, _ = _parser().parse_known_args(args)
    check_model(known.model)
    check_file(known.credentials, "credentials")
    endpoints = read_endpoints(known.endpoints)
    try:
        wait_s = float(os.environ.get("NETGUIDE_STORE_WAIT", DEFAULT_STORE_WAIT_S))
    except ValueError:
        wait_s = DEFAULT_STORE_WAIT_S
    check_stores(endpoints, wait_s)
    return args


def import_skops_before_tensorflow() -> None:
    """Rasa loads the intent classifier with skops, whose import looks up the module of every public
    scikit-learn type by scanning all loaded modules. After Rasa has imported TensorFlow (thousands of
    modules) that import takes about 7 s instead of about 2 s, a third of the start-up: import it first."""
    try:
        import skops.io  # noqa: F401
    except ImportError:  # a pipeline without skops-persisted components: nothing to speed up
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:
        argv = argv[1:]
    import_skops_before_tensorflow()
    try:
        args = preflight(argv)
    except StartupError as error:
        print(f"netguide: cannot start the Rasa server: {error}", file=sys.stderr)
        return EXIT_CONFIG
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", "1000000")  # 1 MB: a chat message is far smaller

    from bot.channels import action_connection, fast_action_validation, runtime_guards, slim_action_calls

    runtime_guards.install()
    fast_action_validation.install()
    slim_action_calls.install()
    action_connection.install()
    import rasa.__main__

    sys.argv = ["rasa", "run", *args]
    rasa.__main__.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
