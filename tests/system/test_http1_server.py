"""Issue 16: the data plane's own HTTP/1.1 server (dataplane/core/h1conn.c),
spoken to byte by byte over raw sockets: pipelining in order (also while the
upstream is slow), heads split across many writes, chunked bodies,
Expect: 100-continue, HTTP/1.0 with and without keep-alive, Connection:
close, HEAD, oversized heads and clients that leave mid-request."""

import json
import socket
import time

import pytest

from harness import DataPlane, Upstream, deploy, make_proxy_api


class Conn:
    """A raw client connection that reads whole responses."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_only=False):
        """(status, headers with lower-case names, body)."""
        status = int(self._line().split(b" ")[1])
        headers = {}
        while (line := self._line()) != b"":
            name, value = line.split(b":", 1)
            headers[name.decode().lower()] = value.strip().decode()
        if head_only or status in (100, 101, 204, 304):
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self._take(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while (size := int(self._line().split(b";")[0], 16)) != 0:
                body += self._take(size)
                self._take(2)
            while self._line() != b"":
                pass
            return status, headers, body
        while True:  # until the close
            try:
                self._fill()
            except EOFError:
                body, self.buf = self.buf, b""
                return status, headers, body

    def closed(self):
        """True when the server closed (after what is buffered)."""
        try:
            self.sock.settimeout(5)
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


@pytest.fixture
def gw(cp, make_dp, upstream):
    up = upstream("A")
    ids = make_proxy_api(cp, up.url)
    deploy(cp, ids["api"])
    dp = make_dp(threads=1).start()
    dp.wait_version(cp.version())
    host = f"{ids['api']}.execute-api.localhost:{dp.port}"
    return dp, host, up


def get(host, path, extra=""):
    return f"GET /prod{path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def test_pipelined_requests_answered_in_order(gw):
    dp, host, up = gw
    c = Conn(dp.port)
    c.send(b"".join(get(host, f"/pets/{i}") for i in range(8)))
    for i in range(8):
        status, headers, body = c.response()
        assert status == 200 and headers["connection"] == "keep-alive"
        assert json.loads(body)["path"] == f"/pets/{i}"
    # the connection is still there for more
    c.send(get(host, "/pets"))
    assert json.loads(c.response()[2])["path"] == "/pets"
    c.close()


def test_request_split_across_many_small_writes(gw):
    dp, host, up = gw
    c = Conn(dp.port)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = get(host, "/pets/split", "X-Custom: abc\r\n") + get(host, "/pets/second")
    for i in range(0, len(data), 3):
        c.send(data[i:i + 3])
        time.sleep(0.002)
    r1, r2 = c.response(), c.response()
    assert json.loads(r1[2])["path"] == "/pets/split"
    assert json.loads(r1[2])["headers"]["x-custom"] == "abc"
    assert json.loads(r2[2])["path"] == "/pets/second"
    c.close()


def test_chunked_request_body_and_expect_continue(gw):
    dp, host, up = gw
    c = Conn(dp.port)
    c.send(f"POST /prod/pets/c HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n"
           "Content-Type: text/plain\r\n\r\n5\r\nhello\r\n".encode())
    time.sleep(0.05)
    c.send(b"6\r\n world\r\n0\r\n\r\n")
    status, _, body = c.response()
    assert status == 200 and json.loads(body)["body"] == "hello world"
    # Expect: 100-continue: the 100 comes before the body is sent
    c.send(f"PUT /prod/pets/e HTTP/1.1\r\nHost: {host}\r\nExpect: 100-continue\r\n"
           "Content-Type: text/plain\r\nContent-Length: 4\r\n\r\n".encode())
    assert c.response()[0] == 100
    c.send(b"abcd")
    status, _, body = c.response()
    assert status == 200 and json.loads(body)["body"] == "abcd"
    # an expectation other than 100-continue: h2o's 417, then the close
    c.send(f"PUT /prod/pets/e HTTP/1.1\r\nHost: {host}\r\nExpect: something\r\n"
           "Content-Length: 4\r\n\r\nabcd".encode())
    status, headers, body = c.response()
    assert status == 417 and headers["connection"] == "close" and body == b"unknown expectation"
    assert c.closed()


def test_http10_and_connection_close(gw):
    dp, host, up = gw
    c = Conn(dp.port)
    c.send(f"GET /prod/pets HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    status, headers, body = c.response()
    assert status == 200 and headers["connection"] == "close" and json.loads(body)["path"] == "/pets"
    assert c.closed()
    c = Conn(dp.port)
    for i in range(2):
        c.send(f"GET /prod/pets/{i} HTTP/1.0\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n".encode())
        status, headers, body = c.response()
        assert headers["connection"] == "keep-alive" and json.loads(body)["path"] == f"/pets/{i}"
    c.close()
    c = Conn(dp.port)
    c.send(get(host, "/pets/1", "Connection: close\r\n") + get(host, "/pets/2"))
    status, headers, body = c.response()
    assert headers["connection"] == "close" and json.loads(body)["path"] == "/pets/1"
    assert c.closed()  # the pipelined second request is not answered


def test_head_has_no_body(gw):
    dp, host, up = gw
    c = Conn(dp.port)
    c.send(f"HEAD /prod/pets/h HTTP/1.1\r\nHost: {host}\r\n\r\n".encode() + get(host, "/pets/after"))
    status, headers, _ = c.response(head_only=True)
    assert status == 200
    status, headers, body = c.response()
    assert json.loads(body)["path"] == "/pets/after"
    c.close()


def test_oversized_and_broken_heads(gw):
    dp, host, up = gw
    c = Conn(dp.port)
    c.send(get(host, "/pets", "X-Big: " + "a" * 9000 + "\r\n"))
    status, headers, body = c.response()
    assert status == 400 and headers["connection"] == "close" and body == b"Bad Request"
    assert c.closed()
    c = Conn(dp.port)
    c.send(b"\x01\x02 nonsense\r\n\r\n")
    assert c.response()[0] == 400
    c = Conn(dp.port)
    c.send(f"POST /prod/pets HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: gzip\r\n\r\n".encode())
    status, _, body = c.response()
    assert status == 400 and body == b"unknown transfer-encoding"
    c = Conn(dp.port)
    c.send(f"POST /prod/pets HTTP/1.1\r\nHost: {host}\r\nContent-Length: 99999999999\r\n\r\n".encode())
    status, _, body = c.response()
    assert status == 413 and body == b"request entity is too large"


def test_clients_that_leave_mid_request(gw):
    dp, host, up = gw
    for partial in (b"GET /prod/pets HTTP/1.1\r\nHo",
                    f"POST /prod/pets/x HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10\r\n\r\nabc".encode(),
                    f"POST /prod/pets/x HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab".encode()):
        c = Conn(dp.port)
        c.send(partial)
        c.close()
    # a client that sends a whole request and half-closes still gets its answers
    c = Conn(dp.port)
    c.send(get(host, "/pets/1") + get(host, "/pets/2"))
    c.sock.shutdown(socket.SHUT_WR)
    assert json.loads(c.response()[2])["path"] == "/pets/1"
    assert json.loads(c.response()[2])["path"] == "/pets/2"
    assert c.closed()
    assert up.calls and all(call["method"] == "GET" for call in up.calls)
    c = Conn(dp.port)  # and the data plane serves on
    c.send(get(host, "/pets"))
    assert c.response()[0] == 200
    assert dp.alive()


def test_pipelined_request_while_the_upstream_is_slow(cp, make_dp):
    slow = Upstream("slow", delay=0.4)
    try:
        ids = make_proxy_api(cp, slow.url, name="slow")
        deploy(cp, ids["api"])
        dp = make_dp(threads=1).start()
        dp.wait_version(cp.version())
        host = f"{ids['api']}.execute-api.localhost:{dp.port}"
        c = Conn(dp.port)
        c.send(get(host, "/pets/first"))
        time.sleep(0.1)  # the first is at the upstream when the second arrives
        c.send(get(host, "/pets/second"))
        first, second = json.loads(c.response()[2]), json.loads(c.response()[2])
        assert (first["path"], first["n"]) == ("/pets/first", 1)
        assert (second["path"], second["n"]) == ("/pets/second", 2)
        # meanwhile other connections are served
        other = Conn(dp.port)
        other.send(get(host, "/pets/other"))
        assert json.loads(other.response()[2])["path"] == "/pets/other"
        c.close()
        other.close()
    finally:
        slow.stop()
