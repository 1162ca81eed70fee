"""Self-hosted defaults: nothing throttles unless configured; the reference
service's figures are one flag away (--reference-limits).
Runs under Debian's /usr/bin/python3 like the rest of tests/system."""

import os
import subprocess

import pytest

from harness import BUILD, add_mock_method, deploy


def stage_patch(cp, api_id, *ops):
    r = cp.call("PATCH", f"/restapis/{api_id}/stages/prod",
                {"patchOperations": [{"op": "replace", "path": p, "value": v} for p, v in ops]})
    assert r.status_code == 200, r.text
    return r.json()["methodSettings"]


def mock_stage(cp):
    api = cp.ok("POST", "/restapis", {"name": "limits"}, expect=201)
    add_mock_method(cp, api["id"], api["rootResourceId"], "GET", "ok")
    deploy(cp, api["id"], "prod")
    return api["id"]


def burst_statuses(dp, api_id, n):
    return [dp.get(api_id, "prod", "/").status_code for _ in range(n)]


def test_new_method_settings_throttle_nothing_by_default(cp, make_dp):
    api_id = mock_stage(cp)
    ms = stage_patch(cp, api_id, ("/*/*/metrics/enabled", "true"))
    assert ms["*/*"]["throttlingBurstLimit"] == -1 and ms["*/*"]["throttlingRateLimit"] == -1.0
    dp = make_dp(threads=1).start()
    dp.wait_version(cp.version())
    assert burst_statuses(dp, api_id, 40) == [200] * 40


def test_a_rate_without_a_burst_bursts_one_seconds_worth(cp, make_dp):
    api_id = mock_stage(cp)
    ms = stage_patch(cp, api_id, ("/*/*/throttling/rateLimit", "1"))
    assert ms["*/*"]["throttlingBurstLimit"] == -1 and ms["*/*"]["throttlingRateLimit"] == 1.0
    dp = make_dp(threads=1).start()
    dp.wait_version(cp.version())
    statuses = burst_statuses(dp, api_id, 5)
    assert statuses[0] == 200 and statuses.count(429) >= 3, statuses
    # -1 again lifts it
    stage_patch(cp, api_id, ("/*/*/throttling/rateLimit", "-1"))
    dp.wait_version(cp.version())
    assert burst_statuses(dp, api_id, 20) == [200] * 20


@pytest.mark.cp_args("--reference-limits")
def test_reference_limits_fill_the_references_figures(cp):
    api_id = mock_stage(cp)
    ms = stage_patch(cp, api_id, ("/*/*/metrics/enabled", "true"))
    assert ms["*/*"]["throttlingBurstLimit"] == 5000 and ms["*/*"]["throttlingRateLimit"] == 10000.0


def test_account_limit_needs_both_figures(tmp_path):
    r = subprocess.run([os.path.join(BUILD, "controlplane", "portico-cp"), "--data-dir", str(tmp_path),
                        "--account-rate-limit", "1"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "--account-rate-limit and --account-burst-limit go together" in r.stderr
