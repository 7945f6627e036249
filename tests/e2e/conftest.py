import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from servers import Servers  # noqa: E402


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The real action server and Rasa server, started once per test module."""
    running = Servers(workdir=tmp_path_factory.mktemp("servers"))
    with running.running():
        yield running
