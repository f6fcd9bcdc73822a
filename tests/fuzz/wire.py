"""A minimal HTTP/1.1 client on raw sockets, so the fuzzers can send what ordinary clients refuse
to (bytes that are not UTF-8, a wrong Content-Length, a body after a 413) and can tell a refused
request from a dropped connection: each request is one connection (`Connection: close`), and
an answer is whatever status line comes back, even if the server stopped reading the body early.
"""

import json
import socket


class Dropped(Exception):
    """The connection ended without a status line: the failure the fuzz tests count."""


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def error_shape_ok(self):
        """Whether the body is the server's error shape `{"error": {"code", "message"}}`."""
        j = self.json()
        return (isinstance(j, dict) and isinstance(j.get("error"), dict)
                and isinstance(j["error"].get("code"), str) and isinstance(j["error"].get("message"), str))


def send(host, port, method, target, headers=None, body=b"", raw=None, timeout=60, half_close=False):
    """Sends one request and reads the answer to the end. `raw` replaces the whole request (for
    malformed HTTP). `half_close` shuts the sending side after the body, for requests whose
    Content-Length promises more than is sent. Raises `Dropped` when no status line arrives."""
    if raw is None:
        if isinstance(body, str):
            body = body.encode()
        h = {"host": f"{host}:{port}", "connection": "close"}
        if body is not None:
            h["content-length"] = str(len(body))
        for k, v in (headers or {}).items():
            if v is None:
                h.pop(k.lower(), None)
            else:
                h[k.lower()] = v
        head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        raw = head.encode("latin-1") + (body or b"")
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.sendall(raw)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            # The server answered (e.g. 413) and closed before reading everything: the answer,
            # if any, is still in our receive buffer.
            pass
        chunks = []
        while True:
            try:
                data = sock.recv(1 << 20)
            except ConnectionResetError:
                break
            except socket.timeout:
                raise Dropped(f"no answer within {timeout} s")
            if not data:
                break
            chunks.append(data)
    finally:
        sock.close()
    return parse(b"".join(chunks), head_request=raw.startswith(b"HEAD "))


def parse(data, head_request=False):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not data.startswith(b"HTTP/1.") or not sep:
        raise Dropped(f"the connection closed after {len(data)} bytes without a complete answer: {data[:200]!r}")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if head_request:
        body = b""
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    elif "content-length" in headers:
        n = int(headers["content-length"])
        if len(body) < n:
            raise Dropped(f"the answer ({status}) ended after {len(body)} of {n} body bytes")
        body = body[:n]
    return Answer(status, headers, body)


def dechunk(data):
    out = bytearray()
    while True:
        line, sep, rest = data.partition(b"\r\n")
        if not sep:
            raise Dropped("a chunked answer ended early")
        n = int(line.split(b";")[0], 16)
        if n == 0:
            return bytes(out)
        out += rest[:n]
        data = rest[n + 2:]
