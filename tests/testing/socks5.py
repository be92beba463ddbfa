"""A minimal SOCKS5 proxy (RFC 1928, CONNECT only; RFC 1929 username/password) for tests.

Runs in threads on a free 127.0.0.1 port and records each request, so a test can check that a
client really went through the proxy and which host name it asked for."""
import socket
import struct
import threading


class Socks5Proxy:
    def __init__(self, username=None, password=None):
        self.username, self.password = username, password
        self.requests = []  # (host, port, authenticated) per CONNECT
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self._closed = True
        self._server.close()

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("client closed")
            data += chunk
        return data

    def _authenticate(self, conn, methods):
        if self.username is None:
            conn.sendall(b"\x05\x00")
            return True
        if 2 not in methods:
            conn.sendall(b"\x05\xff")
            return False
        conn.sendall(b"\x05\x02")
        ver, ulen = self._read(conn, 2)
        user = self._read(conn, ulen).decode()
        (plen,) = self._read(conn, 1)
        password = self._read(conn, plen).decode()
        ok = ver == 1 and user == self.username and password == self.password
        conn.sendall(b"\x01\x00" if ok else b"\x01\x01")
        return ok

    def _target(self, conn):
        ver, cmd, _, atyp = self._read(conn, 4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, self._read(conn, 4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, self._read(conn, 16))
        else:
            (n,) = self._read(conn, 1)
            host = self._read(conn, n).decode()
        (port,) = struct.unpack("!H", self._read(conn, 2))
        return ver, cmd, host, port

    def _serve(self, conn):
        try:
            ver, n = self._read(conn, 2)
            methods = self._read(conn, n)
            if ver != 5 or not self._authenticate(conn, methods):
                return
            ver, cmd, host, port = self._target(conn)
            self.requests.append((host, port, self.username is not None))
            try:
                upstream = socket.create_connection((host, port), 5)
            except OSError:
                conn.sendall(b"\x05\x05\x00\x01" + b"\x00" * 6)  # connection refused
                return
            conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
            self._relay(conn, upstream)
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            conn.close()

    @staticmethod
    def _relay(a, b):
        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pump, args=(b, a), daemon=True)
        t.start()
        pump(a, b)
        t.join(10)
        b.close()
