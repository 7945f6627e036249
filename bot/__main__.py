"""`python -m bot`: the command line (see bot/cli.py)."""

import sys

from bot.topic_registry import TopicRegistryError

try:
    from bot.cli import main
except TopicRegistryError as error:  # the topic tables are read at import: a broken registry is a user error
    print(f"python -m bot: error: {error}", file=sys.stderr)
    raise SystemExit(1) from None

raise SystemExit(main())
