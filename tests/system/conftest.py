"""Fixtures: a cluster secret, a control plane, data planes and upstreams,
each a real process or server on loopback, torn down after the test."""

import os
import secrets

import pytest

from harness import ControlPlane, DataPlane, JsonServer, Process, Upstream


@pytest.fixture(autouse=True)
def no_sanitizer_reports():
    """Every process a test started must end without an ASan/UBSan/LSan report."""
    Process.started = []
    yield
    for p in Process.started:
        if p.alive():
            p.stop()
    reports = [(p.log_path, r) for p in Process.started if (r := p.sanitizer_report())]
    assert not reports, "sanitizer report:\n" + "\n".join(f"{path}:\n{r}" for path, r in reports)


@pytest.fixture
def secret():
    return secrets.token_hex(24)


def pytest_configure(config):
    config.addinivalue_line("markers", "cp_args(*args): extra portico-cp options for the cp fixture")


@pytest.fixture
def cp(request, tmp_path, secret):
    marker = request.node.get_closest_marker("cp_args")
    c = ControlPlane(str(tmp_path), secret, extra_args=marker.args if marker else ())
    c.start()
    yield c
    c.stop()


@pytest.fixture
def make_dp(tmp_path, cp):
    started = []

    def make(name=None, **kw):
        d = DataPlane(str(tmp_path), cp, name=name or f"dp{len(started) + 1}", **kw)
        started.append(d)
        return d

    yield make
    for d in started:
        if d.alive():
            d.stop()


@pytest.fixture
def upstream():
    servers = []

    def make(name="upstream", **kw):
        u = Upstream(name, **kw)
        servers.append(u)
        return u

    yield make
    for u in servers:
        u.stop()


@pytest.fixture
def json_server():
    servers = []

    def make(handler):
        s = JsonServer(handler)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()
