"""HTTPS on the data plane: the default certificate, HTTP/2 by ALPN, TLS 1.2+
only, per-domain certificates chosen by SNI, and mutual TLS — checked with
curl, Python's ssl/requests and openssl s_client."""

import datetime
import json
import os
import ssl
import subprocess

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness import deploy, free_port, make_mock_api


class CA:
    def __init__(self, name):
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.utcnow()
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))

    def issue(self, cn, dns=(), client=False):
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.utcnow()
        b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
             .issuer_name(self.cert.subject).public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(days=1))
             .not_valid_after(now + datetime.timedelta(days=30)))
        if dns:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
        if client:
            b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        cert = b.sign(self.key, hashes.SHA256())
        return pem_cert(cert), pem_key(key)

    def pem(self):
        return pem_cert(self.cert)


def pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()


def write(tmp_path, name, text):
    path = os.path.join(str(tmp_path), name)
    with open(path, "w") as f:
        f.write(text)
    return path


def curl(*args):
    out = subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


def tls_dp(make_dp, tmp_path, ca, hosts, extra=()):
    cert, key = ca.issue("portico", dns=hosts)
    port = free_port()
    dp = make_dp(extra_args=("--tls-listen", f"127.0.0.1:{port}", "--tls-cert", write(tmp_path, "d.pem", cert),
                             "--tls-key", write(tmp_path, "d.key", key), *extra))
    dp.tls_port = port
    return dp


def test_https_default_certificate_and_http2(cp, make_dp, tmp_path):
    ids = make_mock_api(cp, "secure", body='{"pets": ["tls"]}')
    host = f"{ids['api']}.execute-api.localhost"
    ca = CA("test root")
    cafile = write(tmp_path, "ca.pem", ca.pem())
    dp = tls_dp(make_dp, tmp_path, ca, [host, "localhost"]).start()
    deploy(cp, ids["api"])
    dp.wait_version(cp.version())
    url = f"https://{host}:{dp.tls_port}/prod/pets"
    resolve = f"{host}:{dp.tls_port}:127.0.0.1"

    rc, out, err = curl("--http1.1", "--cacert", cafile, "--resolve", resolve, "-w", "\n%{http_version}", url)
    assert rc == 0, err
    body, version = out.rsplit("\n", 1)
    assert json.loads(body) == {"pets": ["tls"]} and version == "1.1"
    rc, out, err = curl("--http2", "--cacert", cafile, "--resolve", resolve, "-w", "\n%{http_version}", url)
    assert rc == 0, err
    assert out.rsplit("\n", 1)[1] == "2"
    rc, out, err = curl("--http2", "-i", "--cacert", cafile, "--resolve", resolve, url.replace("/pets", "/none"))
    assert out.startswith("HTTP/2 403") and "x-amzn-errortype: MissingAuthenticationTokenException" in out
    # an unknown CA is refused by the client, as it must be
    assert curl("--resolve", resolve, url)[0] != 0

    # Python: requests over TLS, and the version negotiated is 1.2 or later
    r = requests.get(f"https://localhost:{dp.tls_port}/restapis/{ids['api']}/prod/_user_request_/pets",
                     verify=cafile, timeout=10)
    assert r.status_code == 200 and r.json() == {"pets": ["tls"]}
    ctx = ssl.create_default_context(cafile=cafile)
    import socket
    with socket.create_connection(("127.0.0.1", dp.tls_port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            assert t.version() in ("TLSv1.2", "TLSv1.3")
    # TLS 1.1 and 1.0 are refused by the server (the client is told to allow them)
    for flag in ("-tls1_1", "-tls1"):
        out = subprocess.run(["openssl", "s_client", flag, "-cipher", "DEFAULT:@SECLEVEL=0",
                              "-connect", f"127.0.0.1:{dp.tls_port}", "-servername", "localhost"],
                             input="", capture_output=True, text=True, timeout=20)
        assert "Cipher is (NONE)" in out.stdout or out.returncode != 0, out.stdout
    # plain HTTP keeps working beside HTTPS
    assert dp.get(ids["api"], "prod", "/pets").status_code == 200


def test_custom_domain_certificates_by_sni_and_mutual_tls(cp, make_dp, tmp_path):
    ids = make_mock_api(cp, "domains", body='{"pets": ["sni"]}')
    deploy(cp, ids["api"])
    server_ca, client_ca, other_ca = CA("server root"), CA("client root"), CA("rogue root")
    cafile = write(tmp_path, "ca.pem", server_ca.pem())
    dp = tls_dp(make_dp, tmp_path, server_ca, ["localhost"]).start()

    cert, key = server_ca.issue("api.example.test", dns=["api.example.test"])
    d = cp.ok("POST", "/domainnames", {"domainName": "api.example.test", "certificateName": "api",
                                      "certificateBody": cert, "certificatePrivateKey": key}, expect=201)
    assert "certificatePrivateKey" not in d and "certificateUploadDate" in d
    got = cp.ok("GET", "/domainnames/api.example.test")
    assert "PRIVATE KEY" not in json.dumps(got)
    cp.ok("POST", "/domainnames/api.example.test/basepathmappings",
          {"restApiId": ids["api"], "stage": "prod", "basePath": "v1"}, expect=201)
    mcert, mkey = server_ca.issue("secure.example.test", dns=["secure.example.test"])
    d = cp.ok("POST", "/domainnames", {"domainName": "secure.example.test", "certificateBody": mcert,
                                      "certificatePrivateKey": mkey,
                                      "mutualTlsAuthentication": {"truststorePem": client_ca.pem()}},
              expect=201)
    assert d["mutualTlsAuthentication"]["truststoreUri"] == "inline"
    cp.ok("POST", "/domainnames/secure.example.test/basepathmappings",
          {"restApiId": ids["api"], "stage": "prod"}, expect=201)
    dp.wait_version(cp.version())

    # SNI picks the domain's certificate: curl verifies it against its name
    url = f"https://api.example.test:{dp.tls_port}/v1/pets"
    rc, out, err = curl("--http2", "--cacert", cafile, "--resolve", f"api.example.test:{dp.tls_port}:127.0.0.1",
                        "-w", "\n%{http_version}", url)
    assert rc == 0, err
    assert json.loads(out.rsplit("\n", 1)[0]) == {"pets": ["sni"]} and out.endswith("\n2")
    ctx = ssl.create_default_context(cafile=cafile)
    import socket
    with socket.create_connection(("127.0.0.1", dp.tls_port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="api.example.test") as t:
            names = [v for k, v in t.getpeercert()["subjectAltName"]]
            assert names == ["api.example.test"]
    # mutual TLS: refused without a client certificate or with one from another CA
    secure = f"https://secure.example.test:{dp.tls_port}/pets"
    resolve = f"secure.example.test:{dp.tls_port}:127.0.0.1"
    assert curl("--cacert", cafile, "--resolve", resolve, secure)[0] != 0
    rogue_cert, rogue_key = other_ca.issue("mallory", client=True)
    assert curl("--cacert", cafile, "--resolve", resolve, "--cert", write(tmp_path, "r.pem", rogue_cert),
                "--key", write(tmp_path, "r.key", rogue_key), secure)[0] != 0
    ccert, ckey = client_ca.issue("alice", client=True)
    rc, out, err = curl("--cacert", cafile, "--resolve", resolve, "--cert", write(tmp_path, "c.pem", ccert),
                        "--key", write(tmp_path, "c.key", ckey), secure)
    assert rc == 0, err
    assert json.loads(out) == {"pets": ["sni"]}
    # the other domain and the default certificate ask for no client certificate
    assert curl("--cacert", cafile, "--resolve", f"api.example.test:{dp.tls_port}:127.0.0.1", url)[0] == 0
    log = open(dp.log_path).read() + open(cp.log_path).read()
    assert "PRIVATE KEY" not in log


def test_domain_certificate_validation(cp):
    ca = CA("root")
    cert, key = ca.issue("a.example.test", dns=["a.example.test"])
    _, other_key = ca.issue("b.example.test")
    bad = [
        {"certificateBody": cert},
        {"certificateBody": "not a certificate", "certificatePrivateKey": key},
        {"certificateBody": cert, "certificatePrivateKey": other_key},
        {"certificateBody": cert, "certificatePrivateKey": key,
         "mutualTlsAuthentication": {"truststoreUri": "s3://bucket/truststore.pem"}},
        {"certificateBody": cert, "certificatePrivateKey": key,
         "mutualTlsAuthentication": {"truststorePem": "nothing"}},
        {"mutualTlsAuthentication": {"truststorePem": ca.pem()}},
    ]
    for body in bad:
        body["domainName"] = "a.example.test"
        r = cp.call("POST", "/domainnames", body)
        assert r.status_code == 400, (list(body), r.text)
    assert cp.call("GET", "/domainnames/a.example.test").status_code == 404


def test_mutual_tls_on_the_default_certificate(cp, make_dp, tmp_path):
    ids = make_mock_api(cp, "mtls", body='{"ok": 1}')
    deploy(cp, ids["api"])
    server_ca, client_ca = CA("server root"), CA("client root")
    cafile = write(tmp_path, "ca.pem", server_ca.pem())
    dp = tls_dp(make_dp, tmp_path, server_ca, ["localhost"],
                extra=("--tls-client-ca", write(tmp_path, "clients.pem", client_ca.pem()))).start()
    dp.wait_version(cp.version())
    url = f"https://localhost:{dp.tls_port}/restapis/{ids['api']}/prod/_user_request_/pets"
    assert curl("--cacert", cafile, url)[0] != 0
    ccert, ckey = client_ca.issue("bob", client=True)
    rc, out, err = curl("--cacert", cafile, "--cert", write(tmp_path, "c.pem", ccert),
                        "--key", write(tmp_path, "c.key", ckey), url)
    assert rc == 0 and json.loads(out) == {"ok": 1}, err
