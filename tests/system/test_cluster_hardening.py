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
