"""JWT authorizers: an OIDC issuer on loopback (discovery + JWKS), tokens
minted here with PyJWT, and every outcome the reference's JWT authorizer
has — plus the attacks it must refuse."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from harness import ControlPlane, put_mock_method, deploy, make_mock_api, wait_for

AUDIENCE = "portico-tests"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """RSA, EC P-256/P-384 and HMAC keys published as a JWKS through OIDC discovery."""

    def __init__(self, json_server):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec256 = ec.generate_private_key(ec.SECP256R1())
        self.ec384 = ec.generate_private_key(ec.SECP384R1())
        self.hmac = b"a-shared-secret-of-thirty-two-by"
        self.fail = False
        self.server = json_server(self.answer)
        self.issuer = self.server.url
        self.keys = self.jwks()

    def jwks(self):
        def ec_jwk(key, kid, crv, size):
            n = key.public_key().public_numbers()
            return {"kty": "EC", "kid": kid, "crv": crv, "use": "sig",
                    "x": b64u(n.x.to_bytes(size, "big")), "y": b64u(n.y.to_bytes(size, "big"))}
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        rsa_jwk.update({"kid": "rsa1", "use": "sig"})
        return {"keys": [rsa_jwk, ec_jwk(self.ec256, "ec256", "P-256", 32),
                         ec_jwk(self.ec384, "ec384", "P-384", 48),
                         {"kty": "oct", "kid": "hs", "k": b64u(self.hmac), "alg": "HS256"},
                         {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"}]}

    def answer(self, req):
        if self.fail:
            return 500, {"message": "down"}
        if req["path"] == "/.well-known/openid-configuration":
            return 200, {"issuer": self.issuer, "jwks_uri": self.issuer + "/keys"}
        if req["path"] == "/keys":
            return 200, self.keys
        return 404, {}

    def claims(self, **extra):
        now = int(time.time())
        c = {"iss": self.issuer, "aud": AUDIENCE, "sub": "user-7", "exp": now + 300, "iat": now}
        c.update(extra)
        return {k: v for k, v in c.items() if v is not None}

    def token(self, alg="RS256", kid="rsa1", key=None, headers=None, **claims):
        keys = {"RS": self.rsa, "ES256": self.ec256, "ES384": self.ec384, "HS": self.hmac}
        if key is None:
            key = keys.get(alg) or keys[alg[:2]]
        h = {"kid": kid} if kid else {}
        h.update(headers or {})
        return jwt.encode(self.claims(**claims), key, algorithm=alg, headers=h)


def jwt_api(cp, issuer, scopes=None, with_proxy=None):
    ids = make_mock_api(cp, "jwt-api", body='{"pets": []}')
    auth = cp.ok("POST", f"/restapis/{ids['api']}/authorizers",
                 {"name": "oidc", "type": "JWT",
                  "jwtConfiguration": {"issuer": issuer.issuer, "audience": [AUDIENCE, "other"]}},
                 expect=201)
    assert auth["identitySource"] == "$request.header.Authorization"
    method = f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET"
    cp.ok("PATCH", method, {"patchOperations": [
        {"op": "replace", "path": "/authorizationType", "value": "JWT"},
        {"op": "replace", "path": "/authorizerId", "value": auth["id"]}]})
    admin = cp.ok("POST", f"/restapis/{ids['api']}/resources/{ids['root']}", {"pathPart": "admin"}, expect=201)
    put_mock_method(cp, ids["api"], admin["id"], "GET", '{"admin": true}',
                    {"authorizationType": "JWT", "authorizerId": auth["id"],
                     "authorizationScopes": ["pets:admin", "root"]})
    ids["authorizer"] = auth["id"]
    return ids


def wait_keys(cp, issuer, count):
    def ready():
        for src in cp.ok("GET", "/cluster/jwks")["item"]:
            if src["issuer"] == issuer.issuer and len(src["keys"]) == count:
                return src
        return None
    return wait_for(ready, what="JWKS fetched")


@pytest.fixture
def issuer(json_server):
    return Issuer(json_server)


def get(dp, ids, token=None, path="/pets", header="Authorization"):
    headers = {header: token} if token is not None else {}
    return dp.get(ids["api"], "prod", path, headers=headers)


def test_jwt_outcomes(cp, make_dp, issuer):
    ids = jwt_api(cp, issuer)
    deploy(cp, ids["api"])
    src = wait_keys(cp, issuer, 3)  # the "enc" and the symmetric "hs" keys are left out
    assert {k["kid"] for k in src["keys"]} == {"rsa1", "ec256", "ec384"}
    assert all("pem" not in k and "k" not in k for k in src["keys"])  # no key material listed
    dp = make_dp().start()
    wait_for(lambda: get(dp, ids, "Bearer " + issuer.token()).status_code == 200, what="JWT accepted")

    r = get(dp, ids)
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    assert r.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    ok = {
        "RS256 with Bearer": "Bearer " + issuer.token(),
        "RS256 without Bearer": issuer.token(),
        "RS384": issuer.token("RS384"),
        "RS512": issuer.token("RS512"),
        "ES256": issuer.token("ES256", kid="ec256"),
        "ES384": issuer.token("ES384", kid="ec384"),
        "second audience": issuer.token(aud=["x", "other"]),
        "no kid": issuer.token(kid=None),
        "expired within leeway": issuer.token(exp=int(time.time()) - 5),
    }
    for name, token in ok.items():
        r = get(dp, ids, token)
        assert r.status_code == 200, (name, r.text)
        assert r.json() == {"pets": []}

    rsa_pem = issuer.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64u(json.dumps({"alg": "none", "typ": "JWT", "kid": "rsa1"}).encode())
    body = b64u(json.dumps(issuer.claims()).encode())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "HS256 with an oct key from the JWKS": issuer.token("HS256", kid="hs"),
        "expired": issuer.token(exp=int(time.time()) - 120),
        "not yet valid": issuer.token(nbf=int(time.time()) + 600),
        "no exp": issuer.token(exp=None),
        "wrong issuer": issuer.token(iss="https://evil.example"),
        "wrong audience": issuer.token(aud="someone-else"),
        "unknown kid": issuer.token(kid="rotated-away"),
        "signed by another key": issuer.token(key=other),
        "alg none": f"{header}.{body}.",
        "alg none with a signature": f"{header}.{body}.c2ln",
        # algorithm confusion: the RSA public key used as an HMAC secret
        "HS256 with the RSA public key": hs_with_secret(issuer.claims(), rsa_pem, "rsa1"),
        "HS256 with the RSA public key, no kid": hs_with_secret(issuer.claims(), rsa_pem, None),
        "ES256 header on the RSA key": issuer.token("ES256", kid="rsa1"),
        "RS256 header on the EC key": issuer.token("RS256", kid="ec256"),
        "ES256 header on the P-384 key": issuer.token("ES256", kid="ec384"),
        "tampered payload": tamper(issuer.token()),
        "garbage": "not.a.jwt",
        "empty bearer": "Bearer ",
    }
    for name, token in refused.items():
        r = get(dp, ids, token)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert r.json() == {"message": "Unauthorized"}, name

    # scopes: a valid token lacking every scope of the method is forbidden
    r = get(dp, ids, issuer.token(), path="/admin")
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
    assert get(dp, ids, issuer.token(scope="read pets:admin"), path="/admin").status_code == 200
    assert get(dp, ids, issuer.token(scp=["root"]), path="/admin").status_code == 200
    assert get(dp, ids, issuer.token(scope="pets:admins"), path="/admin").status_code == 403


def hs_with_secret(claims, secret, kid):
    """HS256 signed with arbitrary bytes (PyJWT refuses PEM secrets)."""
    import hashlib
    import hmac
    header = {"alg": "HS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    head = b64u(json.dumps(header).encode())
    body = b64u(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64u(sig)}"


def tamper(token):
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "admin"
    return f"{head}.{b64u(json.dumps(claims).encode())}.{sig}"


def test_jwt_claims_reach_the_integration(cp, make_dp, issuer, upstream):
    up = upstream("backend")
    ids = jwt_api(cp, issuer)
    res = cp.ok("POST", f"/restapis/{ids['api']}/resources/{ids['root']}", {"pathPart": "me"}, expect=201)
    base = f"/restapis/{ids['api']}/resources/{res['id']}/methods/GET"
    cp.ok("PUT", base, {"authorizationType": "JWT", "authorizerId": ids["authorizer"]}, expect=201)
    cp.ok("PUT", base + "/integration",
          {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": up.url + "/me",
           "requestParameters": {"integration.request.header.x-user": "context.authorizer.principalId",
                                 "integration.request.header.x-email": "context.authorizer.claims.email"}},
          expect=201)
    deploy(cp, ids["api"])
    wait_keys(cp, issuer, 3)
    dp = make_dp().start()
    token = issuer.token(email="ann@example.com")
    wait_for(lambda: get(dp, ids, token, path="/me").status_code == 200, what="JWT accepted")
    got = get(dp, ids, token, path="/me").json()
    assert got["headers"]["x-user"] == "user-7"
    assert got["headers"]["x-email"] == "ann@example.com"


def test_jwks_rotation_and_outage_keep_last_good_keys(tmp_path, secret, make_dp, issuer):
    cp = ControlPlane(str(tmp_path), secret, extra_args=("--jwks-refresh", "1")).start()
    try:
        from harness import DataPlane
        ids = jwt_api(cp, issuer)
        deploy(cp, ids["api"])
        wait_keys(cp, issuer, 3)
        dp = DataPlane(str(tmp_path), cp).start()
        old = issuer.token()
        wait_for(lambda: get(dp, ids, old).status_code == 200, what="JWT accepted")
        # the issuer goes down: the last good keys keep working
        issuer.fail = True
        wait_for(lambda: any(s["error"] for s in cp.ok("GET", "/cluster/jwks")["item"]),
                 what="a failed refresh recorded")
        assert get(dp, ids, old).status_code == 200
        # it comes back with a rotated RSA key: new kid accepted, old kid refused
        issuer.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        keys = issuer.jwks()
        keys["keys"][0]["kid"] = "rsa2"
        issuer.keys = keys
        issuer.fail = False
        new = issuer.token(kid="rsa2")
        wait_for(lambda: get(dp, ids, new).status_code == 200, timeout=20, what="rotated key")
        assert get(dp, ids, old).status_code == 401
        dp.stop()
    finally:
        cp.stop()


def test_jwt_authorizer_admin_validation(cp, issuer):
    ids = make_mock_api(cp, "v")
    base = f"/restapis/{ids['api']}/authorizers"
    bad = [
        ({"name": "a", "type": "JWT"}, "jwtConfiguration is required"),
        ({"name": "a", "type": "JWT", "jwtConfiguration": {"issuer": "http://example.com", "audience": ["x"]}},
         "https"),
        ({"name": "a", "type": "JWT", "jwtConfiguration": {"issuer": issuer.issuer, "audience": []}},
         "audience"),
        ({"name": "a", "type": "JWT", "identitySource": "$request.querystring.t",
          "jwtConfiguration": {"issuer": issuer.issuer, "audience": ["x"]}}, "identity source"),
        ({"name": "a", "type": "COGNITO_USER_POOLS", "providerARNs": ["arn:x"]}, "providerARNs"),
        ({"name": "a", "type": "TOKEN", "authorizerUri": "arn:aws:apigateway:lambda",
          "identitySource": "method.request.header.Authorization"}, "authorizer URI"),
    ]
    for body, fragment in bad:
        r = cp.call("POST", base, body)
        assert r.status_code == 400, (body, r.text)
        assert fragment in r.json()["message"], (fragment, r.text)
    a = cp.ok("POST", base, {"name": "ok", "type": "JWT",
                             "jwtConfiguration": {"issuer": issuer.issuer, "audience": ["x"]}}, expect=201)
    assert cp.ok("GET", f"{base}/{a['id']}") == a
    patched = cp.ok("PATCH", f"{base}/{a['id']}", {"patchOperations": [
        {"op": "replace", "path": "/jwtConfiguration/audience", "value": "x,y"}]})
    assert patched["jwtConfiguration"]["audience"] == ["x", "y"]
    # a method may only name an authorizer of the right kind, and then it cannot be deleted
    m = f"/restapis/{ids['api']}/resources/{ids['leaf']}/methods/GET"
    r = cp.call("PATCH", m, {"patchOperations": [{"op": "replace", "path": "/authorizationType",
                                                   "value": "CUSTOM"},
                                                  {"op": "replace", "path": "/authorizerId", "value": a["id"]}]})
    assert r.status_code == 400 and "Invalid authorizer ID" in r.json()["message"]
    cp.ok("PATCH", m, {"patchOperations": [{"op": "replace", "path": "/authorizationType", "value": "JWT"},
                                          {"op": "replace", "path": "/authorizerId", "value": a["id"]}]})
    r = cp.call("DELETE", f"{base}/{a['id']}")
    assert r.status_code == 409 and "GET /pets" in r.json()["message"]
    assert cp.ok("GET", base)["item"] == [patched]
