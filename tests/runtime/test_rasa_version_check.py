"""The Rasa launcher refuses a Rasa release other than the pinned one (bot.channels patches its internals)."""

from __future__ import annotations

from importlib import metadata

import pytest

from bot.channels.rasa_server import StartupError, check_rasa_version, pinned_rasa_version


def test_the_pin_is_read_from_the_requirements_file() -> None:
    assert pinned_rasa_version() == "3.6.21"


def test_the_installed_rasa_is_the_pinned_one() -> None:
    check_rasa_version()  # raises StartupError otherwise
    assert metadata.version("rasa") == pinned_rasa_version()


@pytest.mark.parametrize("installed", ["3.6.20", "3.7.0", "3.6.21rc1"])
def test_another_release_stops_the_start_with_what_to_do(installed: str) -> None:
    with pytest.raises(StartupError, match=rf"Rasa {installed} is installed.*3\.6\.21.*make setup"):
        check_rasa_version(installed=installed, pinned="3.6.21")
