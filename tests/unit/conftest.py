"""Unit tests are pure: no AWS, no network."""

import socket

import pytest


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unit tests do not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
