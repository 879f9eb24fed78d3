"""A TCP listener on the loopback that counts the connections it receives."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading

__all__ = ["Listener"]


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections and answers each with ``reply``."""

    def __init__(self, reply: bytes) -> None:
        self.connections = 0
        self.requests: list[bytes] = []
        self.reply = reply
        lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with lock:
                    outer.connections += 1
                sock: socket.socket = self.request
                sock.settimeout(5)
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                with lock:
                    outer.requests.append(data)
                with contextlib.suppress(OSError):
                    sock.sendall(outer.reply)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
