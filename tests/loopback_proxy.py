"""A TCP proxy on loopback in front of a real server, for making outages without stopping it.

Used by the tests and by ``benchmarks/faults.py``. Modes:

- ``up``: forward new connections (and the live ones) to the server;
- ``down``: refuse new connections and cut the open ones (the server is gone);
- ``hang``: accept new connections and never answer them; cut the open ones;
- ``blackhole``: accept new connections and never answer them, and go silent on the open ones
  without closing them: the client's writes are read and dropped (so its kernel sees them
  acknowledged) and nothing comes back. A frozen server, or a stuck pooler in front of one.
  Connections silenced this way stay silent after the proxy is ``up`` again, as a frozen
  server's would: only the client's own timeouts free them.
"""

import socket
import threading


class LoopbackProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = "up"
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.forwarded = []  # [client, upstream, {"silent": bool}]
        self.held = []  # connections accepted and never answered
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, mode: str) -> None:
        assert mode in ("up", "down", "hang", "blackhole"), mode
        with self.lock:
            self.mode = mode
            if mode in ("down", "hang"):
                for client, upstream, _ in self.forwarded:
                    self._close(client, upstream)
                self.forwarded.clear()
            elif mode == "blackhole":
                for _, _, state in self.forwarded:
                    state["silent"] = True

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self._close(self.listener, *self.held, *(s for pair in self.forwarded for s in pair[:2]))
            self.forwarded.clear()
            self.held.clear()

    @staticmethod
    def _close(*sockets) -> None:
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            mode = self.mode
            if mode == "down":
                client.close()
            elif mode in ("hang", "blackhole"):
                with self.lock:
                    self.held.append(client)
                threading.Thread(target=self._drain, args=(client,), daemon=True).start()
            else:
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
                state = {"silent": False}
                with self.lock:
                    self.forwarded.append([client, upstream, state])
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b, state, a is client), daemon=True).start()

    @staticmethod
    def _drain(sock) -> None:
        """Read and drop whatever the client sends, never answering."""
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def _pipe(self, source, sink, state, from_client) -> None:
        try:
            while data := source.recv(65536):
                if not state["silent"]:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            # A silenced client is never told the server went away; a client that leaves, leaves.
            # (shutdown, not just close: the other direction's thread is blocked reading the socket,
            # and on Linux a close alone sends nothing while it is.)
            self._close(*((source, sink) if from_client or not state["silent"] else (source,)))
