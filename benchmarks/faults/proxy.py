"""A TCP proxy on 127.0.0.1 that can cut every connection and refuse new ones for a while:
a database or Redis outage, as the app sees it, without stopping the machine's shared service."""
import socket
import threading
import time


class OutageProxy:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(512)
        self.port = self.listener.getsockname()[1]
        self.down_until = 0.0
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def outage(self, seconds: float) -> None:
        """Cut every open connection now and refuse new ones for `seconds`."""
        with self.lock:
            self.down_until = time.monotonic() + seconds
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            _cut(*pair)

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            if time.monotonic() < self.down_until:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            _cut(src, dst)


def _cut(*sockets: socket.socket) -> None:
    """Shut down, then close. Shutting down is what sends the FIN and wakes the other direction's
    thread blocked in recv(); a bare close() from another thread does neither on Linux, and the
    server kept such a connection (and its session's locks) open for good."""
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    for s in sockets:
        s.close()
