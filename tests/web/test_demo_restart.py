"""Demo restarts (issue 8.8): the same port after a crash, and a clear word on the sandbox."""
import socket

from assessment.cli.app_commands import _free_port
from assessment.workers import sandbox_summary


def test_free_port_keeps_the_preferred_port_while_old_connections_are_in_time_wait():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        server.listen()
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end stays in TIME_WAIT
        client.close()
    # A probe without SO_REUSEADDR cannot bind here now (what sent the demo to a random port).
    with socket.socket() as naive:
        try:
            naive.bind(("127.0.0.1", port))
            time_wait = False
        except OSError:
            time_wait = True
    assert time_wait
    assert _free_port("127.0.0.1", port) == port


def test_free_port_moves_when_the_port_is_really_taken():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        taken = server.getsockname()[1]
        assert _free_port("127.0.0.1", taken) != taken


def test_the_demo_says_which_sandbox_grades_code(make_app):
    full = sandbox_summary(make_app())
    degraded = sandbox_summary(make_app(SANDBOX_RUNTIME="/nonexistent/runtime"))
    assert full.startswith(("full sandbox", "DEGRADED"))
    assert degraded.startswith("DEGRADED") and "assessment sandbox setup" in degraded
