"""Keep the connection to the action server open from one custom-action call to the next.

Rasa 3.6 makes every custom-action call through `EndpointConfig.request`, which opens a new aiohttp
`ClientSession` (and with it a new connector, a new TCP connection and a connection handshake with the
action server's Sanic) and closes it when the call returns. Here the action endpoint keeps one session
per event loop, so calls reuse idle keep-alive connections (at most KEEP_ALIVE_S idle; the action server,
actions/server.py, keeps its side open longer, so it is never the one that closes an idle connection a
call is about to use). Everything else is Rasa's own `request`: headers, token, timeout, errors.

A call that finds its kept connection closed by the other side before any answer came
(`ServerDisconnectedError`: the action server or nginx restarted) is sent once more on a new connection.

NETGUIDE_ACTION_KEEP_ALIVE=0 switches it off (Rasa's behaviour, for comparison: bench/action_calls.py).
Loaded by the Rasa launcher (bot/channels/rasa_server.py) like the other runtime changes.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Optional, Tuple

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

KEEP_ALIVE_S = 30.0  # idle connections closed by this side after this long (actions/server.py: 75 s)


_original_init = RemoteAction.__init__
_original_close_resources: Any = None
_sessions: Dict[Tuple[int, Optional[str]], aiohttp.ClientSession] = {}


def enabled() -> bool:
    return (os.environ.get("NETGUIDE_ACTION_KEEP_ALIVE") or "1").strip().lower() not in ("0", "false", "no", "off")


class _KeptSession:
    """`async with` gives the shared session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


class KeptAliveEndpointConfig(EndpointConfig):
    """The action endpoint, with one long-lived session per event loop (see the module docstring)."""

    def session(self) -> _KeptSession:  # type: ignore[override]
        loop = asyncio.get_running_loop()
        key = (id(loop), self.url)
        session = _sessions.get(key)
        if session is None or session.closed or getattr(session, "_loop", None) is not loop:
            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)
            session = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=KEEP_ALIVE_S),
            )
            _sessions[key] = session
        return _KeptSession(session)

    async def request(self, *args: Any, **kwargs: Any) -> Optional[Any]:
        try:
            return await super().request(*args, **dict(kwargs))
        except aiohttp.ServerDisconnectedError:
            # the kept connection was closed by the other side before it answered: once more, on a new one
            return await super().request(*args, **kwargs)


def kept_alive(endpoint: Optional[EndpointConfig]) -> Optional[EndpointConfig]:
    """The same endpoint, making its calls over kept connections (None and converted ones as they are)."""
    if endpoint is None or isinstance(endpoint, KeptAliveEndpointConfig) or not enabled():
        return endpoint
    converted = KeptAliveEndpointConfig.__new__(KeptAliveEndpointConfig)
    converted.__dict__.update(endpoint.__dict__)
    return converted


def _remote_action_init(self: RemoteAction, name: str, action_endpoint: Optional[EndpointConfig]) -> None:
    _original_init(self, name, kept_alive(action_endpoint))


async def close_sessions() -> None:
    """Close the kept sessions of the running event loop (server shutdown, tests)."""
    loop_id = id(asyncio.get_running_loop())
    for key in [key for key in _sessions if key[0] == loop_id]:
        await _sessions.pop(key).close()


async def _close_resources(app: Any, loop: Any) -> None:
    await _original_close_resources(app, loop)
    await close_sessions()


def install() -> None:
    global _original_close_resources
    # imported here: rasa.core.run imports Sanic, which installs uvloop's event loop policy (the launcher
    # imports it anyway; tests that only make calls should not inherit the policy)
    import rasa.core.run

    RemoteAction.__init__ = _remote_action_init  # type: ignore[assignment]
    if rasa.core.run.close_resources is not _close_resources:
        _original_close_resources = rasa.core.run.close_resources
        rasa.core.run.close_resources = _close_resources  # Rasa's after_server_stop listener
