"""A small loopback TCP fault proxy (toxiproxy-like) for the transport faults an HTTP sandbox cannot make itself.

It sits between the app and the partner sandbox (the app's `AUDIENCESYNC_FACEBOOK_API_URL` points at it) and forwards
bytes both ways. The mode can be switched at run time and applies at once, also to connections already open (the
app's libcurl keeps connections alive, so a per-connection mode would let pooled connections dodge the fault):

- `pass`      forward everything.
- `hang`      forward nothing more, answer nothing, keep the connection open (a partner that never answers).
- `reset`     let `n` bytes of the answer through, then reset the connection (RST, `SO_LINGER` 0): a reset mid-body.
- `truncate`  let the answer's headers and `n` bytes of its body through, then close cleanly (FIN): a truncated body
              whose `Content-Length` promised more.
- `refuse_connect`  stop accepting and fill the listen backlog, so new TCP handshakes are never answered (a connect
              time-out; connections already open are reset so the client has to reconnect).

`hung` records, per hung connection, the seconds from its first swallowed request byte until the client gave up,
so a test can measure how long the app waits on a hung partner.
"""
import select
import socket
import struct
import threading
import time


class FaultProxy:
    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.mode, self.n = "pass", 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.connections = set()
        self.hung = []          # (seconds from the first hung request byte to the client closing)
        self.resets = 0
        self.truncations = 0
        self.refused_started = None
        self.stopping = False
        self.fillers = []
        self.accepting = threading.Event()
        self.accepting.set()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    # -- control -----------------------------------------------------------------------------------------------

    def set_mode(self, mode, n=0):
        assert mode in ("pass", "hang", "reset", "truncate", "refuse_connect"), mode
        with self.lock:
            previous = self.mode
            self.mode, self.n = mode, n
            connections = list(self.connections)
        if mode == "refuse_connect":
            self.accepting.clear()
            # Pooled connections would carry on: reset them so the client must open new ones, which hang in SYN.
            for conn in connections:
                conn.kill()
            # The accept queue (backlog 1) fills with two idle handshakes; after that the kernel drops new SYNs.
            time.sleep(0.2)
            for _ in range(3):
                s = socket.socket()
                s.setblocking(False)
                try:
                    s.connect(("127.0.0.1", self.port))
                except BlockingIOError:
                    pass
                self.fillers.append(s)
        elif previous == "refuse_connect":
            for s in self.fillers:
                s.close()
            self.fillers = []
            self.accepting.set()

    def close(self):
        self.stopping = True
        self.accepting.set()
        for conn in list(self.connections):
            conn.kill()
        self.listener.close()

    # -- plumbing ----------------------------------------------------------------------------------------------

    def _accept_loop(self):
        while not self.stopping:
            self.accepting.wait()
            try:
                self.listener.settimeout(0.2)
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if not self.accepting.is_set():
                # Accepted in the instant the mode changed: refuse it like the rest.
                _Connection.rst(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _Connection.rst(client)
                continue
            conn = _Connection(self, client, server)
            with self.lock:
                self.connections.add(conn)
            conn.start()


class _Connection:
    """One proxied connection, served by one thread with `select` (so closing a socket really closes it: a second
    thread blocked in `recv` would keep it open and turn a reset into a silent hang)."""

    def __init__(self, proxy, client, server):
        self.proxy, self.client, self.server = proxy, client, server
        self.hang_started = None
        self.dead = False
        self.kill_requested = False
        self.answer_bytes = 0          # of the current answer, counted for reset/truncate
        self.buffer = b""
        self.server_open = True

    @staticmethod
    def rst(sock):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass

    def kill(self):
        """Asks the connection's thread to reset it (from another thread)."""
        self.kill_requested = True

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            while not self.kill_requested and not self.proxy.stopping:
                ready, _, _ = select.select([self.client] + ([self.server] if self.server_open else []), [], [], 0.1)
                if self.client in ready and not self._from_client():
                    break
                if self.server in ready and not self._from_server():
                    break
        except OSError:
            pass
        if self.hang_started is not None:
            self.proxy.hung.append(time.monotonic() - self.hang_started)
        self.rst(self.client)
        try:
            self.server.close()
        except OSError:
            pass
        with self.proxy.lock:
            self.proxy.connections.discard(self)

    def _from_client(self):
        data = self.client.recv(65536)
        if not data:
            return False
        if self.proxy.mode == "hang":
            if self.hang_started is None:
                self.hang_started = time.monotonic()
            return True                        # swallowed: the partner never hears it
        if not self.server_open:
            # The partner closed this connection while we hung (its idle timeout): now that faults are over, the
            # client learns it as it would have — the connection ends — instead of waiting on a dead one forever.
            return False
        self.answer_bytes, self.buffer = 0, b""  # a new request: its answer is counted afresh
        self.server.sendall(data)
        return True

    def _from_server(self):
        data = self.server.recv(65536)
        mode, n = self.proxy.mode, self.proxy.n
        if mode == "hang":
            # Even the sandbox's nginx closing an idle upstream connection must not reach the client: it hangs.
            self.server_open = bool(data)
            return True
        if not data:
            return False
        if mode == "reset":
            room = max(0, n - self.answer_bytes)
            self.client.sendall(data[:room])
            self.answer_bytes += min(room, len(data))
            if len(data) >= room:
                self.proxy.resets += 1
                return False
            return True
        if mode == "truncate":
            self.buffer += data
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return True
            self.client.sendall(self.buffer[:end + 4 + n])
            self.proxy.truncations += 1
            self.client.shutdown(socket.SHUT_WR)   # a clean FIN before the promised length
            time.sleep(0.3)
            return False
        self.client.sendall(data)
        return True
