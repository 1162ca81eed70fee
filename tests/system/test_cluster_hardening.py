"""Cluster and control-plane hardening (issue 11): access log destinations
confined to each node's --access-log-dir, store epochs after a restored
backup, freshness of cluster messages, memory before authentication, JWKS URL
checks, secrets, and the cluster sockets over TLS."""

import os
import shutil
import socket
import sqlite3
import subprocess
import time

import pytest
import requests

from harness import ControlPlane, DataPlane, deploy, make_mock_api, wait_for


def patch_stage(cp, api_id, stage, *ops, expect=200):
    ops = [dict(zip(("op", "path", "value"), o)) for o in ops]
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/{stage}", {"patchOperations": ops})
    assert r.status_code == expect, r.text
    return r.json()


def get(dp, api_id, path="/pets"):
    return requests.get(f"{dp.base}/prod{path}", timeout=10,
                        headers={"Host": f"{api_id}.execute-api.localhost:{dp.port}"})


# ---- 1. access log destinations ---------------------------------------------

def test_access_log_destination_is_a_file_name_in_the_nodes_dir(cp, make_dp, tmp_path):
    api_id = make_mock_api(cp)["api"]
    deploy(cp, api_id)
    fmt = "$context.requestId $context.status"
    for dest in ("/tmp/portico-x.log", "../x.log", "logs/x.log", ".x", "a b", "/etc/passwd"):
        r = cp.call("PATCH", f"/restapis/{api_id}/stages/prod", {"patchOperations": [
            {"op": "replace", "path": "/accessLogSettings/format", "value": fmt},
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": dest}]})
        assert r.status_code == 400, (dest, r.text)
        assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    logs = tmp_path / "logs"
    logs.mkdir()
    outside = tmp_path / "outside.log"
    outside.write_text("")
    os.symlink(outside, logs / "evil.log")  # a link planted in the directory is never followed
    patch_stage(cp, api_id, "prod", ("replace", "/accessLogSettings/format", fmt),
                ("replace", "/accessLogSettings/destinationArn", "access.log"))
    dp = make_dp(extra_args=("--access-log-dir", str(logs))).start()
    bare = make_dp().start()  # no --access-log-dir: file destinations are refused
    dp.wait_version(cp.version())
    bare.wait_version(cp.version())
    r = get(dp, api_id)
    assert r.status_code == 200
    wait_for(lambda: (logs / "access.log").exists() and r.headers["x-amzn-RequestId"]
             in (logs / "access.log").read_text(), what="the access log line")
    assert get(bare, api_id).status_code == 200
    patch_stage(cp, api_id, "prod", ("replace", "/accessLogSettings/destinationArn", "evil.log"))
    dp.wait_version(cp.version())
    assert get(dp, api_id).status_code == 200
    time.sleep(0.5)
    assert outside.read_text() == ""
    assert os.path.islink(logs / "evil.log")
    assert not (tmp_path / "dp2" / "access.log").exists() and not os.path.exists("access.log")
    assert dp.alive() and bare.alive()


# ---- 2. a restored backup is a new store incarnation ------------------------

def set_body(cp, ids, body):
    cp.ok("PUT", f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET/integration/responses/200",
          {"responseTemplates": {"application/json": body}}, expect=201)


def node(cp, name):
    return next((n for n in cp.nodes()["item"] if n["nodeId"] == name), None)


def test_restored_backup_moves_nodes_back_and_reports_the_truth(cp, make_dp, tmp_path):
    ids = make_mock_api(cp, body='{"config": "old"}')
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    assert get(dp, ids["api"]).json() == {"config": "old"}
    db = os.path.join(cp.dir, "data", "portico.db")
    backup = str(tmp_path / "backup.db")
    with sqlite3.connect(db) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)  # an online backup, as an operator would take it
    old_version = cp.version()
    for i in range(3):
        set_body(cp, ids, '{"config": "new"}')
        deploy(cp, ids["api"])
    dp.wait_version(cp.version())
    assert get(dp, ids["api"]).json() == {"config": "new"}
    cp.stop()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    shutil.copy(backup, db)
    cp.start()
    assert cp.version() == old_version
    # the node goes back to the restored configuration (base: it kept the newer one)
    wait_for(lambda: get(dp, ids["api"]).json() == {"config": "old"}, timeout=15,
             what="the node serving the restored configuration")
    store = cp.nodes()["storeId"]
    # the node follows the restored store, and is never reported in sync before it does
    def settled():
        n = node(cp, "dp1")
        if n is None:
            return None
        if n["storeId"] != store:
            assert n["status"] != "IN_SYNC", n
            return None
        return n
    n = wait_for(settled, timeout=15, what="the node on the restored store")
    assert n["status"] == "IN_SYNC" and n["appliedVersion"] == old_version
    assert get(dp, ids["api"]).json() == {"config": "old"}
    # a plain restart keeps the epoch: nothing to reload
    cp.restart()
    assert cp.nodes()["storeId"] == store


# ---- 3. freshness of cluster messages -----------------------------------------
# NNG's SP-over-TCP framing: an 8-byte greeting "\0SP\0" + protocol id + "\0\0"
# each way, then frames of an 8-byte big-endian length and the body (REQ/REP
# bodies start with a 4-byte request id).

PROTO_PUSH, PROTO_REQ = 0x50, 0x30


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def read_frame(sock):
    n = int.from_bytes(recv_exact(sock, 8), "big")
    return recv_exact(sock, n)


def write_frame(sock, body):
    sock.sendall(len(body).to_bytes(8, "big") + body)


def sp_connect(port, proto):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"\0SP\0" + proto.to_bytes(2, "big") + b"\0\0")
    recv_exact(s, 8)
    return s


def pb_fields(buf):
    """The top-level fields of a protobuf message: {number: [values]}."""
    out, i = {}, 0
    def varint():
        nonlocal i
        v = shift = 0
        while True:
            b = buf[i]
            i += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return v
    while i < len(buf):
        tag = varint()
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            val = varint()
        elif wt == 2:
            n = varint()
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        else:
            val, i = buf[i:i + 4], i + 4
        out.setdefault(num, []).append(val)
    return out


def envelope_kind(body):
    return pb_fields(body).get(1, [0])[0]


class ClusterTap:
    """A proxy in front of a control plane's three cluster ports that records
    every frame in both directions (what an attacker on the network sees)
    and can inject a recorded frame towards the nodes."""

    def __init__(self, cp):
        from harness import free_port_run
        import threading
        self.port = free_port_run(3)
        self.cp_port = cp.cluster_port
        self.frames = {0: [], 1: [], 2: []}  # port offset -> [(direction, body)]
        self.downstream = []  # (offset, socket, lock) towards nodes
        self.lock = threading.Lock()
        self.listeners = []
        for k in range(3):
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("127.0.0.1", self.port + k))
            ls.listen(16)
            self.listeners.append(ls)
            threading.Thread(target=self.accept, args=(k, ls), daemon=True).start()

    @property
    def url(self):
        return f"tcp://127.0.0.1:{self.port}"

    def accept(self, k, ls):
        import threading
        while True:
            try:
                down, _ = ls.accept()
                up = socket.create_connection(("127.0.0.1", self.cp_port + k))
            except OSError:
                return
            wlock = threading.Lock()
            with self.lock:
                self.downstream.append((k, down, wlock))
            threading.Thread(target=self.pump, args=(k, down, up, "up", threading.Lock()), daemon=True).start()
            threading.Thread(target=self.pump, args=(k, up, down, "down", wlock), daemon=True).start()

    def pump(self, k, src, dst, direction, wlock):
        try:
            dst.sendall(recv_exact(src, 8))
            while True:
                body = read_frame(src)
                with self.lock:
                    self.frames[k].append((direction, body))
                with wlock:
                    write_frame(dst, body)
        except (OSError, ConnectionError):
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def recorded(self, k, direction):
        with self.lock:
            return [b for d, b in self.frames[k] if d == direction]

    def inject_down(self, k, body):
        with self.lock:
            targets = [(s, l) for kk, s, l in self.downstream if kk == k]
        for s, l in targets:
            with l:
                try:
                    write_frame(s, body)
                except OSError:
                    pass

    def close(self):
        for ls in self.listeners:
            ls.close()


def usage_of(cp, plan_id, key_id):
    day = time.strftime("%Y-%m-%d", time.gmtime())
    values = cp.ok("GET", f"/usageplans/{plan_id}/usage?startDate={day}&endDate={day}")["values"]
    return values.get(key_id, [[0, 0]])[0][0]


def test_replayed_cluster_messages_are_refused(cp, tmp_path):
    from harness import make_key, make_key_api, make_plan
    tap = ClusterTap(cp)
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    plan = make_plan(cp, ids["api"], keys=[key], quota={"limit": 1000, "period": "DAY"})
    dp = DataPlane(str(tmp_path), cp, name="dpx", extra_args=())
    dp.argv[dp.argv.index("--control-plane") + 1] = tap.url
    dp.start()
    dp.wait_version(cp.version())
    for _ in range(3):
        assert dp.request("GET", ids["api"], "prod", "/pets", headers={"x-api-key": key["value"]}).status_code == 200
    wait_for(lambda: usage_of(cp, plan["id"], key["id"]) == 3, timeout=10, what="usage of 3")
    time.sleep(2.5)  # announcements, usage status and reports on the wire
    reports = tap.recorded(2, "up")
    fetches = tap.recorded(1, "up")
    statuses = [b for b in tap.recorded(0, "down") if envelope_kind(b) == 21]
    assert reports and fetches and statuses
    # the node restarts: a new incarnation; the old one's reports come back
    dp.stop()
    dp.start()
    dp.wait_version(cp.version())
    time.sleep(1.5)
    push = sp_connect(cp.cluster_port + 2, PROTO_PUSH)
    for body in reports:
        write_frame(push, body)
    time.sleep(1.5)
    push.close()
    assert usage_of(cp, plan["id"], key["id"]) == 3, "replayed reports added usage"
    # a captured fetch replayed gets no snapshot
    req = sp_connect(cp.cluster_port + 1, PROTO_REQ)
    write_frame(req, fetches[0])
    answer = read_frame(req)
    req.close()
    assert answer[4:] == b"", "a replayed fetch was answered"
    # a captured usage status replayed to the node is refused
    tap.inject_down(0, statuses[0])
    wait_for(lambda: "message refused" in dp.output() and "replayed" in dp.output(), timeout=5,
             what="the node to refuse a replayed usage status")
    # a captured snapshot (an older configuration) replayed: refused, the node stays current
    deploy(cp, ids["api"])
    old = cp.version()
    dp.wait_version(old)
    deploy(cp, ids["api"])
    dp.wait_version(cp.version())
    snapshots = [b for b in tap.recorded(0, "down") if envelope_kind(b) == 1]
    assert snapshots and pb_fields(snapshots[0])[2][0] == old
    refused = dp.output().count("message refused")
    tap.inject_down(0, snapshots[0])
    wait_for(lambda: dp.output().count("message refused") > refused, timeout=5,
             what="the node to refuse a replayed snapshot")
    assert node(cp, "dpx")["appliedVersion"] == cp.version() > old
    assert "refused a node report: replayed" in cp.output()
    assert "refused a fetch request: replayed" in cp.output()
    dp.stop()
    tap.close()


# ---- 5. memory before authentication ----------------------------------------

def raw_admin(cp, head, timeout=3):
    s = socket.create_connection(("127.0.0.1", cp.admin_port), timeout=timeout)
    s.sendall(head)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    return data


def test_admin_checks_the_token_before_reading_a_body(cp):
    # a 12 MB body announced without the token: answered at once, body never read
    big = b"POST /restapis HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12000000\r\n\r\n"
    started = time.time()
    answer = raw_admin(cp, big)
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
    assert b"MissingAuthenticationTokenException" in answer and time.time() - started < 2.5
    answer = raw_admin(cp, big.replace(b"Host: x\r\n", b"Host: x\r\nAuthorization: Bearer wrong-token-0123456789\r\n"))
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]  # a wrong token
    # a health probe needs no token, and its connection ends with it
    answer = raw_admin(cp, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nPOST /restapis HTTP/1.1\r\nContent-Length: 9000000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.count(b"HTTP/1.1") == 1, answer
    # a head that never ends is cut off
    answer = raw_admin(cp, b"GET /restapis HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 20000 + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    # with the token, everything works as before, keep-alive included
    s = requests.Session()
    for _ in range(3):
        r = s.get(cp.url + "/restapis", headers={"Authorization": f"Bearer {cp.token}"}, timeout=5)
        assert r.status_code == 200
    r = s.post(cp.url + "/restapis", data="{\"name\": \"x\"}", timeout=5,
               headers={"Authorization": f"Bearer {cp.token}"})
    assert r.status_code == 201
    assert requests.get(cp.url + "/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(cp.url + "/restapis", timeout=5).status_code == 403
    # connections that never show a head are bounded: beyond 512, new ones are closed
    idle = [socket.create_connection(("127.0.0.1", cp.admin_port), timeout=5) for _ in range(512)]
    time.sleep(0.5)
    extra = socket.create_connection(("127.0.0.1", cp.admin_port), timeout=3)
    assert extra.recv(1) == b""
    for sock in idle + [extra]:
        sock.close()
    time.sleep(0.5)
    r = requests.get(cp.url + "/restapis", headers={"Authorization": f"Bearer {cp.token}"}, timeout=5)
    assert r.status_code == 200


def closed_after_announcing(port, proto, size):
    """Whether the peer hangs up once a frame of `size` bytes is announced."""
    s = sp_connect(port, proto)
    s.sendall(size.to_bytes(8, "big") + b"\x80\0\0\1" + b"x" * 1024)
    s.settimeout(2)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    finally:
        s.close()


def test_cluster_sockets_refuse_frames_larger_than_their_messages(cp):
    assert closed_after_announcing(cp.cluster_port + 1, PROTO_REQ, 1 << 20)  # fetches are small
    assert closed_after_announcing(cp.cluster_port + 2, PROTO_PUSH, 32 << 20)
    assert not closed_after_announcing(cp.cluster_port + 2, PROTO_PUSH, 1 << 20)  # a big report is fine


# ---- 6. JWKS URLs --------------------------------------------------------------

def test_jwks_urls_are_parsed_like_the_fetch_parses_them(cp):
    api_id = make_mock_api(cp)["api"]
    def create(issuer, uri=None):
        conf = {"issuer": issuer, "audience": ["a"]}
        if uri is not None:
            conf["jwksUri"] = uri
        return cp.call("POST", f"/restapis/{api_id}/authorizers",
                       {"name": "oidc", "type": "JWT", "jwtConfiguration": conf})
    for issuer, uri in (("http://127.0.0.1:1@evil.example/", None),
                        ("https://id.example", "http://127.0.0.1:1@evil.example/keys"),
                        ("https://id.example", "http://localhost@evil.example/keys"),
                        ("https://user:pw@id.example", None),
                        ("http://127.0.0.1.evil.example", None)):
        r = create(issuer, uri)
        assert r.status_code == 400, (issuer, uri, r.text)
    assert create("https://id.example", "http://127.0.0.1:9/keys").status_code == 201


# ---- 8. secrets ------------------------------------------------------------------

def run_cp(data, env_extra=None, wait=1.5):
    """Starts portico-cp without PORTICO_* variables (plus env_extra); its exit
    code, or None when it is still running after `wait` seconds (then stopped)."""
    from harness import CP_BIN, free_port, free_port_run
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env.update(env_extra or {})
    proc = subprocess.Popen([CP_BIN, "--data-dir", str(data), "--admin-listen", f"127.0.0.1:{free_port()}",
                             "--cluster-listen", f"tcp://127.0.0.1:{free_port_run(3)}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = proc.communicate(timeout=wait)[0]
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        proc.terminate()
        return None, proc.communicate(timeout=10)[0]


def test_secrets_are_long_enough_private_and_never_written_through_links(tmp_path):
    secret = "s" * 32
    rc, out = run_cp(tmp_path / "a", {"PORTICO_ADMIN_TOKEN": "short-token", "PORTICO_CLUSTER_SECRET": secret})
    assert rc not in (None, 0) and "at least 16 bytes" in out, out
    # a token file others can read is refused, as ssh refuses such a key
    data = tmp_path / "b"
    data.mkdir(mode=0o700)
    (data / "admin.token").write_text("a-token-of-thirty-two-characters-x\n")
    os.chmod(data / "admin.token", 0o644)
    rc, out = run_cp(data, {"PORTICO_CLUSTER_SECRET": secret})
    assert rc not in (None, 0) and "chmod 600" in out, out
    os.chmod(data / "admin.token", 0o600)
    (data / "cluster.secret").write_text(secret)
    os.chmod(data / "cluster.secret", 0o640)
    rc, out = run_cp(data)
    assert rc not in (None, 0) and "chmod 600" in out, out
    os.chmod(data / "cluster.secret", 0o600)
    rc, out = run_cp(data)
    assert rc is None, out
    # a link planted where the generated token's temporary file used to go
    data = tmp_path / "c"
    data.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.symlink(victim, data / "admin.token.tmp")
    os.symlink(victim, data / "cluster.secret.tmp")
    rc, out = run_cp(data)
    assert rc is None, out
    assert victim.read_text() == "precious\n"
    assert not os.path.islink(data / "admin.token") and not os.path.islink(data / "cluster.secret")
    assert oct(os.stat(data / "admin.token").st_mode & 0o777) == "0o600"


# ---- 9. odds and ends ----------------------------------------------------------

def test_metrics_query_refuses_times_it_cannot_compute(cp):
    for to in ("9223372036854775807", "9223372036854775760", "253402300800"):
        r = cp.call("GET", f"/cluster/metrics?to={to}")
        assert r.status_code == 400 and "Invalid to" in r.json()["message"], (to, r.text)
    assert cp.call("GET", "/cluster/metrics?to=253402300799&from=253402290000").status_code == 200


def test_node_id_too_long_for_a_fetch_is_refused_at_start(cp, tmp_path):
    dp = DataPlane(str(tmp_path), cp, name="dp-long")
    dp.argv[dp.argv.index("--node-id") + 1] = "n" * 600
    dp.start(wait_ready=False)
    wait_for(lambda: not dp.alive(), timeout=5, what="the node to refuse its id")
    assert "--node-id must be" in dp.output()
    assert dp.proc.returncode == 2


# ---- 4. TLS on the cluster sockets ---------------------------------------------

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}", cwd=d)


def make_cert(d, ca, name, cn):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
    (d / f"{name}.ext").write_text(f"subjectAltName=DNS:{cn},IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    os.chmod(d / f"{name}.key", 0o600)


def tls_args(d, name, ca):
    return ("--cluster-tls-cert", str(d / f"{name}.pem"), "--cluster-tls-key", str(d / f"{name}.key"),
            "--cluster-tls-ca", str(d / f"{ca}.pem"))


def test_cluster_sockets_over_mutual_tls(tmp_path, secret):
    pki = tmp_path / "pki"
    pki.mkdir()
    make_ca(pki, "ca")
    make_ca(pki, "rogue-ca")
    make_cert(pki, "ca", "cp", "127.0.0.1")
    make_cert(pki, "ca", "node", "node-1")
    make_cert(pki, "rogue-ca", "rogue", "node-2")
    cp = ControlPlane(str(tmp_path), secret)
    url = f"tls+tcp://127.0.0.1:{cp.cluster_port}"
    cp.argv += ["--cluster-listen", url, *tls_args(pki, "cp", "ca")]
    cp.start()
    try:
        ids = make_mock_api(cp, body='{"over": "tls"}')
        deploy(cp, ids["api"])
        def node(name, *args):
            dp = DataPlane(str(tmp_path), cp, name=name)
            dp.argv[dp.argv.index("--control-plane") + 1] = url
            dp.argv += list(args)
            return dp
        good = node("good", *tls_args(pki, "node", "ca")).start()
        good.wait_version(cp.version())
        assert get(good, ids["api"]).json() == {"over": "tls"}
        # a certificate from another CA, or no TLS at all: nothing reaches the node
        rogue = node("rogue", *tls_args(pki, "rogue", "ca")).start(wait_ready=False)
        plain = DataPlane(str(tmp_path), cp, name="plain").start(wait_ready=False)
        time.sleep(3)
        names = {n["nodeId"] for n in cp.nodes()["item"]}
        assert names == {"good"}, names
        assert get(rogue, ids["api"]).status_code != 200 and get(plain, ids["api"]).status_code != 200
        # the options must agree with the address
        bad = node("bad").start(wait_ready=False)  # tls+tcp:// without the files
        wait_for(lambda: not bad.alive(), timeout=5, what="a node without TLS files to stop")
        assert "--cluster-tls-cert" in bad.output()
        for dp in (good, rogue, plain):
            dp.stop()
    finally:
        cp.stop()


def test_restored_data_directory_is_caught_by_the_nodes_reports(cp, make_dp, tmp_path):
    # the whole data directory comes back, mark beside the database included:
    # only the nodes remember the newer versions, and their reports say so
    ids = make_mock_api(cp, body='{"config": "old"}')
    deploy(cp, ids["api"])
    dp = make_dp().start()
    dp.wait_version(cp.version())
    data = os.path.join(cp.dir, "data")
    cp.stop()
    shutil.copytree(data, str(tmp_path / "backup"))
    cp.start()
    for _ in range(2):
        set_body(cp, ids, '{"config": "new"}')
        deploy(cp, ids["api"])
    dp.wait_version(cp.version())
    assert get(dp, ids["api"]).json() == {"config": "new"}
    before = cp.nodes().get("storeId")
    cp.stop()
    shutil.rmtree(data)
    shutil.copytree(str(tmp_path / "backup"), data)
    cp.start()
    wait_for(lambda: get(dp, ids["api"]).json() == {"config": "old"}, timeout=15,
             what="the node serving the restored configuration")
    after = cp.nodes()["storeId"]
    assert after != before
    n = wait_for(lambda: (lambda x: x if x and x["storeId"] == after else None)(node(cp, "dp1")),
                 timeout=10, what="the node on the new epoch")
    assert n["status"] == "IN_SYNC" and n["appliedVersion"] == cp.version()
    assert "went back" in cp.output()


def test_stored_absolute_access_log_paths_become_file_names(cp):
    api_id = make_mock_api(cp)["api"]
    deploy(cp, api_id)
    deploy(cp, api_id, stage="dev")
    patch_stage(cp, api_id, "prod", ("replace", "/accessLogSettings/format", "$context.requestId"),
                ("replace", "/accessLogSettings/destinationArn", "x.log"))
    patch_stage(cp, api_id, "dev", ("replace", "/accessLogSettings/format", "$context.requestId"),
                ("replace", "/accessLogSettings/destinationArn", "y.log"))
    cp.stop()
    # what an older release stored: absolute paths; the access-log migration (8)
    # and the ones after it run again (those are written to run twice)
    db = sqlite3.connect(os.path.join(cp.dir, "data", "portico.db"))
    version = 8
    db.execute("UPDATE stages SET doc = json_set(doc, '$.accessLogSettings.destinationArn', ?) "
               "WHERE name = 'prod'", ("/var/log/portico/prod-access.log",))
    db.execute("UPDATE stages SET doc = json_set(doc, '$.accessLogSettings.destinationArn', ?) "
               "WHERE name = 'dev'", ("/var/log/portico/bad name.log",))
    db.execute(f"PRAGMA user_version = {version - 1}")
    db.commit()
    db.close()
    cp.start()
    prod = cp.ok("GET", f"/restapis/{api_id}/stages/prod")
    assert prod["accessLogSettings"]["destinationArn"] == "prod-access.log"
    assert "accessLogSettings" not in cp.ok("GET", f"/restapis/{api_id}/stages/dev")
