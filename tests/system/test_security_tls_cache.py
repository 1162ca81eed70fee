"""Issue 11: a custom domain with a certificate (and mutual TLS) is served
only on a connection whose handshake named it by SNI — not on the cleartext
listener, not over TLS without SNI, not over a TLS connection made for
another name; the stage cache stores only complete answers to plain
requests and never an answer meant for one caller. Each failed on c2c389f."""

import json
import socket
import ssl
import subprocess

from harness import deploy, make_mock_api, wait_for
from test_cache import cached, enable_cache
from test_security_path import raw_request
from test_tls import CA, curl, tls_dp, write


def tls_raw(port, host_header, sni, cafile, cert=None, target="/pets"):
    """One HTTP/1.1 request over TLS with the given SNI (None: no SNI) and Host."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(*cert)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            t.sendall(f"GET {target} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := t.recv(65536):
                data += chunk
    return int(data.split(b" ")[1]), data.partition(b"\r\n\r\n")[2]


def test_certificate_domains_only_by_sni(cp, make_dp, tmp_path):
    ids = make_mock_api(cp, "domains", body='{"pets": ["secret"]}')
    deploy(cp, ids["api"])
    server_ca, client_ca = CA("server root"), CA("client root")
    cafile = write(tmp_path, "ca.pem", server_ca.pem())
    dp = tls_dp(make_dp, tmp_path, server_ca, ["localhost"]).start()
    mcert, mkey = server_ca.issue("secure.example.test", dns=["secure.example.test"])
    cp.ok("POST", "/domainnames", {"domainName": "secure.example.test", "certificateBody": mcert,
                                  "certificatePrivateKey": mkey,
                                  "mutualTlsAuthentication": {"truststorePem": client_ca.pem()}}, expect=201)
    cp.ok("POST", "/domainnames/secure.example.test/basepathmappings",
          {"restApiId": ids["api"], "stage": "prod"}, expect=201)
    pcert, pkey = server_ca.issue("plain.example.test", dns=["plain.example.test"])
    cp.ok("POST", "/domainnames", {"domainName": "plain.example.test", "certificateBody": pcert,
                                  "certificatePrivateKey": pkey}, expect=201)
    cp.ok("POST", "/domainnames/plain.example.test/basepathmappings",
          {"restApiId": ids["api"], "stage": "prod"}, expect=201)
    # a domain without a certificate is still served by Host on any listener
    cp.ok("POST", "/domainnames", {"domainName": "open.example.test"}, expect=201)
    cp.ok("POST", "/domainnames/open.example.test/basepathmappings",
          {"restApiId": ids["api"], "stage": "prod"}, expect=201)
    dp.wait_version(cp.version())
    ccert, ckey = client_ca.issue("alice", client=True)
    client = (write(tmp_path, "c.pem", ccert), write(tmp_path, "c.key", ckey))

    # the honest ways in
    assert tls_raw(dp.tls_port, "secure.example.test", "secure.example.test", cafile, client)[0] == 200
    assert tls_raw(dp.tls_port, "plain.example.test", "plain.example.test", cafile)[0] == 200
    assert raw_request(dp.port, "/pets", "open.example.test")[0] == 200
    # cleartext listener with the domain's Host: not served (as an unknown host)
    for host in ("secure.example.test", "plain.example.test", "SECURE.example.test:443"):
        status, _, body = raw_request(dp.port, "/pets", host)
        assert status == 403 and json.loads(body) == {"message": "Forbidden"}, (host, status, body)
    # TLS without SNI (the default certificate) and TLS made for another name:
    # 421 Misdirected Request, so that an HTTP/2 client that coalesced
    # connections retries on one made for this name
    for sni, host in ((None, "secure.example.test"), ("localhost", "secure.example.test"),
                      ("plain.example.test", "secure.example.test"), ("secure.example.test", "plain.example.test")):
        status, body = tls_raw(dp.tls_port, host, sni, cafile, client if sni and sni.startswith("secure") else None)
        assert status == 421 and json.loads(body) == {"message": "Misdirected Request"}, (sni, host, status)
    # curl over HTTP/2 with SNI for the plain domain but :authority of the secure one
    rc, out, err = curl("--http2", "--cacert", cafile, "-k", "--resolve",
                        f"plain.example.test:{dp.tls_port}:127.0.0.1", "-H", "Host: secure.example.test",
                        "-o", "/dev/null", "-w", "%{http_code}", f"https://plain.example.test:{dp.tls_port}/pets")
    assert rc == 0 and out == "421", (out, err)


def byte_answers(json_server):
    """/range answers 206 to a Range request; /cookie sets a cookie;
    /private says Cache-Control: private; /plain is a plain 200."""

    def answer(req):
        path = req["path"]
        if path.startswith("/range"):
            if "range" in req["headers"]:
                return 206, "he", {"content-range": "bytes 0-1/5", "content-type": "text/plain"}
            return 200, "hello", {"content-type": "text/plain"}
        if path.startswith("/cookie"):
            n = len(server.calls("/cookie"))
            return 200, {"you": n}, {"set-cookie": f"session=caller-{n}; HttpOnly"}
        if path.startswith("/private"):
            return 200, {"n": len(server.calls("/private"))}, {"cache-control": "private, max-age=60"}
        if path.startswith("/etag"):
            if "if-none-match" in req["headers"]:
                return 200, {"partial": True}, {"etag": '"v2"'}
            return 200, {"full": True}, {"etag": '"v1"'}
        return 200, {"n": len(server.calls("/plain"))}

    server = json_server(answer)
    return server


def test_cache_stores_only_complete_shared_answers(cp, make_dp, json_server):
    srv = byte_answers(json_server)
    api = cp.ok("POST", "/restapis", {"name": "poison"}, expect=201)
    a, root = api["id"], api["rootResourceId"]
    for part in ("range", "cookie", "private", "etag", "plain"):
        rid = cp.ok("POST", f"/restapis/{a}/resources/{root}", {"pathPart": part}, expect=201)["id"]
        base = f"/restapis/{a}/resources/{rid}/methods/GET"
        cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
        cp.ok("PUT", base + "/integration",
              {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": f"{srv.url}/{part}"}, expect=201)
    deploy(cp, a)
    enable_cache(cp, a)
    dp = make_dp().start()
    dp.wait_version(cp.version())
    # a Range request's 206 is not stored: the next full request gets the full answer
    r = dp.get(a, "prod", "/range", headers={"Range": "bytes=0-1"})
    assert r.status_code == 206 and r.content == b"he"
    r = dp.get(a, "prod", "/range")
    assert r.status_code == 200 and r.content == b"hello", (r.status_code, r.content)
    # a conditional request's answer is not stored for plain requests
    assert dp.get(a, "prod", "/etag", headers={"If-None-Match": '"v1"'}).json() == {"partial": True}
    assert dp.get(a, "prod", "/etag").json() == {"full": True}
    # Set-Cookie: each caller gets their own answer, never another's cookie
    first = dp.get(a, "prod", "/cookie")
    second = dp.get(a, "prod", "/cookie")
    assert first.cookies.get("session") == "caller-1"
    assert second.cookies.get("session") == "caller-2" and cached(second) == "MISS"
    # Cache-Control: private is not stored
    assert dp.get(a, "prod", "/private").json() == {"n": 1}
    assert dp.get(a, "prod", "/private").json() == {"n": 2}
    # a plain answer still is
    assert dp.get(a, "prod", "/plain").json() == {"n": 1}
    r = dp.get(a, "prod", "/plain")
    assert r.json() == {"n": 1} and cached(r) == "HIT"
