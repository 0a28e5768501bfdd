"""`up --port P` gets P or exits with a clear error; it never moves silently to another port."""

from __future__ import annotations

import socket

import pytest

from memory_service.cli import _port_for


def test_asked_port_in_use_exits_with_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            _port_for("127.0.0.1", taken)
    assert exited.value.code == 2
    assert f"port {taken}" in capsys.readouterr().err


def test_asked_port_after_a_closed_connection_is_reused() -> None:
    """A port whose last connection is in TIME_WAIT (a stopped `up`) is taken again at once."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        server_side, _ = listener.accept()
        server_side.close()  # the server closes first: its side goes to TIME_WAIT
        client.close()
    assert _port_for("127.0.0.1", port) == port


def test_no_port_asked_takes_a_free_one_when_the_default_is_taken() -> None:
    port = _port_for("127.0.0.1", None)
    assert 0 < port < 65536
