"""Issue 11: HTTP/2 rapid reset (CVE-2023-44487). Debian's libh2o 2.2.5 runs
the handler on every HEADERS frame and frees the stream on RST_STREAM, with
no budget; the data plane (resetguard) shuts a connection down once most of
its streams are reset early by the client. Driven by a real HTTP/2 client
(python3-h2) over TLS with ALPN h2. Failed on c2c389f (the connection
survived every reset)."""

import re
import socket
import ssl

import h2.config
import h2.connection
import h2.events

from harness import Upstream, deploy
from test_tls import CA, tls_dp, write


def h2_connect(port, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                           server_hostname="localhost")
    assert sock.selected_alpn_protocol() == "h2"
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def headers_for(api_id, path):
    return [(":method", "GET"), (":path", f"/restapis/{api_id}/prod/_user_request_{path}"),
            (":scheme", "https"), (":authority", "localhost")]


def get(sock, conn, api_id, path):
    """One complete request on the connection; returns the status."""
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, headers_for(api_id, path), end_stream=True)
    sock.sendall(conn.data_to_send())
    status = None
    while True:
        data = sock.recv(65536)
        assert data, "the server closed the connection"
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                status = int(dict(ev.headers)[b":status"])
            if isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            if isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                sock.sendall(conn.data_to_send())
                return status
        sock.sendall(conn.data_to_send())


def rapid_reset(sock, conn, api_id, path, streams):
    """Opens and resets streams in batches; returns how many were sent before
    the server ended the connection (streams when it never did)."""
    sent = 0
    try:
        while sent < streams:
            for _ in range(20):
                sid = conn.get_next_available_stream_id()
                conn.send_headers(sid, headers_for(api_id, path), end_stream=True)
                conn.reset_stream(sid)
                sent += 1
            sock.sendall(conn.data_to_send())
        # let the server finish reading what was sent
        sock.settimeout(3)
        while sock.recv(65536):
            pass
    except (OSError, ssl.SSLError, h2.exceptions.ProtocolError):
        return sent
    return streams


def test_rapid_reset_shuts_the_connection(cp, make_dp, tmp_path):
    slow = Upstream("slow", delay=0.5)
    try:
        api = cp.ok("POST", "/restapis", {"name": "h2"}, expect=201)
        a, root = api["id"], api["rootResourceId"]
        rid = cp.ok("POST", f"/restapis/{a}/resources/{root}", {"pathPart": "slow"}, expect=201)["id"]
        base = f"/restapis/{a}/resources/{rid}/methods/GET"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": slow.url + "/slow"},
              expect=201)
        deploy(cp, a)
        ca = CA("h2 root")
        cafile = write(tmp_path, "ca.pem", ca.pem())
        dp = tls_dp(make_dp, tmp_path, ca, ["localhost"]).start()
        dp.wait_version(cp.version())

        # an honest client: many complete requests and a few cancelled ones keep their connection
        sock, conn = h2_connect(dp.tls_port, cafile)
        for i in range(30):
            assert get(sock, conn, a, "/slow" if i % 10 == 0 else "/none") in (200, 403)
            if i % 3 == 0:
                sid = conn.get_next_available_stream_id()
                conn.send_headers(sid, headers_for(a, "/slow"), end_stream=True)
                conn.reset_stream(sid)
                sock.sendall(conn.data_to_send())
        assert get(sock, conn, a, "/slow") == 200
        sock.close()

        # the attack: open and reset 3,000 streams at once
        sock, conn = h2_connect(dp.tls_port, cafile)
        sent = rapid_reset(sock, conn, a, "/slow", 3000)
        sock.close()
        assert sent < 3000, "the connection survived 3,000 rapid resets"
        # what the node handled before it shut the connection, by its own count
        # (the client's count also holds what was still in flight in socket
        # buffers when the shutdown came, which depends on the machine's load)
        shut = re.findall(r"(\d+) of its (\d+) streams reset early by the client", open(dp.log_path).read())
        assert shut, "no shutdown logged"
        premature, handled = map(int, shut[-1])
        assert handled <= 1000 and premature * 2 >= handled, shut

        # the node still serves new connections
        sock, conn = h2_connect(dp.tls_port, cafile)
        assert get(sock, conn, a, "/slow") == 200
        sock.close()
    finally:
        slow.stop()


def raw_h2(sock, conn, headers):
    """Sends headers as given (no client-side checks); returns (status, headers)."""
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, headers, end_stream=True)
    sock.sendall(conn.data_to_send())
    status, got = None, {}
    while True:
        data = sock.recv(65536)
        assert data, "the server closed the connection"
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                got = {k.decode(): v.decode() for k, v in ev.headers}
                status = int(got[":status"])
            if isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            if isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)) and ev.stream_id == sid:
                sock.sendall(conn.data_to_send())
                return status, got
        sock.sendall(conn.data_to_send())


def test_http2_pseudo_headers_cannot_bend_the_upstream_request_line(cp, make_dp, tmp_path, upstream):
    """h2o 2.2.5 refuses CR/LF in every HTTP/2 field (its own 400) but checks
    nothing else in :method, :path and :authority: a space in :method or in
    the query would rewrite the request line the gateway writes upstream
    ("GET /admin/users? /pets HTTP/1.1"). The gateway refuses them (400,
    its own error type) and encodes what the path may not hold raw."""
    up = upstream("backend")
    api = cp.ok("POST", "/restapis", {"name": "h2split"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    rid = cp.ok("POST", f"/restapis/{a}/resources/{root}", {"pathPart": "{proxy+}"}, expect=201)["id"]
    base = f"/restapis/{a}/resources/{rid}/methods/ANY"
    cp.ok("PUT", base, {"authorizationType": "NONE", "requestParameters": {"method.request.path.proxy": True}},
          expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "ANY", "uri": up.url + "/{proxy}",
           "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}, expect=201)
    deploy(cp, a)
    ca = CA("h2 root")
    cafile = write(tmp_path, "ca.pem", ca.pem())
    dp = tls_dp(make_dp, tmp_path, ca, ["localhost"]).start()
    dp.wait_version(cp.version())
    sock, conn = h2_connect(dp.tls_port, cafile)
    conn.config.validate_outbound_headers = False
    conn.config.normalize_outbound_headers = False
    prefix = f"/restapis/{a}/prod/_user_request_"

    def req(method="GET", path="/pets", authority="localhost"):
        return [(":method", method), (":path", prefix + path), (":scheme", "https"), (":authority", authority)]

    assert raw_h2(sock, conn, req())[0] == 200
    calls = len(up.calls)
    for name, headers in {"space in :method": req(method="GET /admin/users?"),
                          "space in the query": req(path="/pets?a=1 HTTP/1.1"),
                          "fragment in the query": req(path="/pets?a=1#x"),
                          "space in :authority": req(authority="localhost x")}.items():
        status, got = raw_h2(sock, conn, headers)
        assert status == 400 and got.get("x-amzn-errortype") == "BadRequestException", (name, status, got)
    assert len(up.calls) == calls
    # CR/LF anywhere: h2o's own 400
    assert raw_h2(sock, conn, req(path="/pets?a=1\r\nX-Injected: yes"))[0] == 400
    # in the path, a space and non-ASCII are percent-encoded into the canonical path
    status, _ = raw_h2(sock, conn, req(path="/pets x/caf\u00e9"))
    assert status == 200 and up.calls[-1]["path"] == "/pets%20x/caf%C3%A9"
    sock.close()
    assert not any(c["path"].startswith("/admin") for c in up.calls), up.calls
