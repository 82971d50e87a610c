"""A TCP proxy for fault tests: forwards ``127.0.0.1:<port>`` to an upstream server, and can
``cut()`` the link (every open connection dropped, new ones reset at once) and ``restore()`` it.

``cut_after_commit(marker)`` arms a PostgreSQL-aware cut: once a connection has sent ``marker`` (e.g.
a text the test put in a command), the proxy forwards that connection's next ``COMMIT`` confirmation
and cuts at once. The server then knows its transaction is committed, and every later statement
fails: the window between "stored" and "pushed/acknowledged" that timing alone cannot hit.

Threads only (the test process is never monkey-patched); each forwarded connection has one pump
thread per direction. A pump only ever closes the socket it reads from, and wakes its partner with
``shutdown``: no descriptor is closed under another thread's feet.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST, the peer fails at once
# PostgreSQL's CommandComplete message for a COMMIT: "C", int32 length 11, "COMMIT\0".
COMMIT_COMPLETE = b"C\x00\x00\x00\x0bCOMMIT\x00"


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected
        sock.shutdown(socket.SHUT_RDWR)


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    sock.close()


class TcpProxy:
    """``with TcpProxy(("127.0.0.1", 5432)) as proxy:`` then connect to ``proxy.port``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self.forwarded = 0  # connections forwarded upstream
        self.refused = 0  # connections reset while cut
        self._marker: bytes | None = None
        self._marked: set[socket.socket] = set()  # client sockets that sent the marker
        self.tripped = threading.Event()  # set when an armed cut_after_commit has cut
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name="tcp-proxy-accept", daemon=True)

    # --- control ------------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._acceptor.start()
        return self

    def cut(self) -> None:
        """Drop every open connection and reset new ones until ``restore()``: the server is gone."""
        with self._lock:
            self._cut = True
            victims = list(self._open)
        for sock in victims:
            _shutdown(sock)

    def cut_after_commit(self, marker: bytes) -> None:
        """Cut right after forwarding the ``COMMIT`` of the transaction that sends ``marker``."""
        with self._lock:
            self._marker = marker
            self._marked.clear()
            self.tripped.clear()

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            victims = list(self._open)
        _shutdown(self._listener)  # wakes accept() on Linux
        self._listener.close()
        for sock in victims:
            _shutdown(sock)
        for thread in [self._acceptor, *self._threads]:
            if thread.is_alive():
                thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _trip(self, keep: tuple[socket.socket, socket.socket]) -> None:
        """Cut every other connection and refuse new ones (called with the lock held)."""
        self._cut = True
        self._marker = None
        self._marked.clear()
        for sock in self._open:
            if sock not in keep:
                _shutdown(sock)
        self.tripped.set()

    # --- forwarding ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                closed, cut = self._closed, self._cut
            if closed:
                _reset(client)
                return
            if cut:
                with self._lock:
                    self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._cut or self._closed:
                    self.refused += 1
                    _reset(client)
                    _reset(upstream)
                    continue
                self.forwarded += 1
                self._open.update((client, upstream))
                pumps = [
                    threading.Thread(target=self._pump, args=pair, name="tcp-proxy-pump", daemon=True)
                    for pair in ((client, upstream, client), (upstream, client, client))
                ]
                self._threads = [t for t in self._threads if t.is_alive()] + pumps
            for pump in pumps:
                pump.start()

    def _pump(self, source: socket.socket, target: socket.socket, client: socket.socket) -> None:
        to_server = source is client
        try:
            while data := source.recv(65536):
                tripped = False
                if self._marker is not None:
                    with self._lock:
                        marker = self._marker
                        if marker is None:
                            pass  # tripped meanwhile
                        elif to_server:
                            if marker in data:
                                self._marked.add(client)
                        elif client in self._marked and COMMIT_COMPLETE in data:
                            self._trip(keep=(source, target))
                            tripped = True
                target.sendall(data)
                if tripped:  # the server has learnt that it committed: now this connection dies too
                    return
        except OSError:
            pass  # cut, or the other side went away
        finally:
            _shutdown(target)  # wake the pump reading ``target``; it closes that one
            _shutdown(source)
            with self._lock:
                self._open.discard(source)
            source.close()
