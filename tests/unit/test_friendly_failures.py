"""Failures a newcomer meets say what is wrong in one line: a busy port names itself and what to do."""

from __future__ import annotations

import socket

import pytest
from werkzeug.serving import make_server

from tools.local_stack.stack import PortInUse, _bind


def test_a_busy_port_is_named_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as refused:
            _bind(port, "API", lambda: make_server("127.0.0.1", port, lambda *_: []))
    message = str(refused.value)
    assert f"Port {port} (API) is already in use" in message
    assert "make run" in message and "API_PORT" in message
