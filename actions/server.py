"""Start the action server the NETguide way: `python -m actions.server [--port N] [--host H]`.

Unlike `python -m rasa_sdk`, which listens on every interface (0.0.0.0) and loads the knowledge base on
the first question, this
- listens on 127.0.0.1 unless --host or NETGUIDE_ACTIONS_HOST says otherwise: only the Rasa server calls
  it, so exposing the chat (NETGUIDE_HOST) does not expose the action server;
- loads and validates the knowledge base before it listens, and stops with one line naming the file,
  the statement and the field if it is invalid (NETGUIDE_KNOWLEDGE_DIR picks another knowledge folder);
- checks that the audit folder (NETGUIDE_AUDIT_DIR, default var/audit) is writable;
- allows no cross-origin browser access (Rasa calls it server to server).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

EXIT_CONFIG = 2
DEFAULT_PORT = 5055
ACTION_SERVER_KEEP_ALIVE_S = 75  # bot/channels/action_connection.py keeps its idle connections 30 s


class StartupError(Exception):
    pass


def load_knowledge_or_fail() -> str:
    """Load the knowledge base once, now; return its version. Raises StartupError naming the problem."""
    import bot.knowledge as knowledge

    folder = os.environ.get("NETGUIDE_KNOWLEDGE_DIR")
    if folder:
        # bot.knowledge reads DEFAULT_ROOT at call time, so every later load_knowledge() uses this folder
        knowledge.DEFAULT_ROOT = Path(folder).resolve()
    root = knowledge.DEFAULT_ROOT
    if not root.is_dir():
        raise StartupError(f"the knowledge folder {root} does not exist")
    try:
        kb = knowledge.load_knowledge()
    except knowledge.KnowledgeError as error:
        more = len(error.problems) - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        raise StartupError(f"the knowledge base is invalid: {error.first}{extra}; "
                           "run `python -m bot kb check` to see every problem") from None
    except (OSError, UnicodeDecodeError) as error:
        raise StartupError(f"the knowledge base under {root} cannot be read: {error}") from None
    return kb.version


def check_audit_folder() -> Path:
    from bot.audit import audit_dir

    folder = audit_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(f"the audit folder {folder} cannot be created ({error.strerror}); "
                           "set NETGUIDE_AUDIT_DIR to a writable folder") from None
    if not os.access(folder, os.W_OK):
        raise StartupError(f"the audit folder {folder} is not writable; set NETGUIDE_AUDIT_DIR to a writable folder")
    return folder


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    from rasa_sdk import utils

    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("NETGUIDE_ACTIONS_HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("NETGUIDE_ACTIONS_PORT") or DEFAULT_PORT))
    parser.add_argument("--actions", default="actions", help="package with the actions")
    utils.add_logging_level_option_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        version = load_knowledge_or_fail()
        audit_folder = check_audit_folder()
    except StartupError as error:
        print(f"netguide: cannot start the action server: {error}", file=sys.stderr)
        return EXIT_CONFIG

    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app

    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    logger = logging.getLogger("netguide.actions")
    app = create_app(args.actions, cors_origins=None)  # no browser origin may call it
    # The Rasa server keeps its connection open between action calls (bot/channels/action_connection.py,
    # at most 30 s idle); Sanic would close an idle one after 5 s. Longer here, so a call never starts on a
    # connection this side is closing.
    app.config.KEEP_ALIVE_TIMEOUT = ACTION_SERVER_KEEP_ALIVE_S
    logger.info("knowledge base %s loaded; audit trail in %s", version, audit_folder)
    logger.info("action server listening on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
