"""Network stand-ins for database tests: a TCP forwarder that can be opened on a port nothing listens on
(a database "coming back" there), and a server that accepts connections and never answers (a peer that is
stuck, or gone behind something that still accepts)."""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Listens on 127.0.0.1, accepts every connection, reads and never answers; ``close`` drops them all."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)  # kept open, never read: the client's bytes are acknowledged, unanswered

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Forwarder:
    """Forwards connections to ``port`` on 127.0.0.1 to ``target`` (host, port) while open. ``freeze`` stops
    passing data on while every connection stays open and its packets acknowledged: a peer that is stuck
    (a hung proxy, a frozen server process whose kernel still answers)."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.listener = socket.create_server(("127.0.0.1", port))
        self.target = target
        self.sockets: list[socket.socket] = []
        self._passing = threading.Event()
        self._passing.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def freeze(self) -> None:
        self._passing.clear()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._passing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        """Stop listening and drop every forwarded connection: the database is "down" from here on. The
        connections go before a frozen pipe is let go, so what it held is never passed on."""
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone leaves it listening
        except OSError:
            pass
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self._passing.set()  # a frozen pipe wakes, finds its sockets closed and ends

    def __enter__(self) -> Forwarder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
