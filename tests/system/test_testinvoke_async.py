"""TestInvokeMethod of an HTTP integration does not hold the admin API: the
endpoint is called off the admin loop, so other admin requests are answered
while a slow endpoint is being waited for, and the integration's timeout
bounds the wait."""

import threading
import time

from harness import JsonServer


def test_slow_endpoint_does_not_stall_the_admin_api_and_times_out(cp):
    gate = threading.Event()

    def slow(req):
        gate.wait(10 if req["path"].startswith("/slow") else 0)
        return 200, {"late": True}

    up = JsonServer(slow)
    try:
        api = cp.ok("POST", "/restapis", {"name": "ti"}, expect=201)
        api_id, root = api["id"], api["rootResourceId"]
        bases = {}
        for part, timeout in (("slow", 29000), ("cut", 300)):
            res = cp.ok("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": part}, expect=201)
            base = f"/restapis/{api_id}/resources/{res['id']}/methods/GET"
            cp.ok("PUT", base, {"authorizationType": "NONE"}, expect=201)
            cp.ok("PUT", base + "/integration", {"type": "HTTP", "httpMethod": "GET",
                                                  "uri": f"{up.url}/slow/{part}",
                                                  "timeoutInMillis": timeout}, expect=201)
            cp.ok("PUT", base + "/responses/200", {}, expect=201)
            cp.ok("PUT", base + "/integration/responses/200", {}, expect=201)
            bases[part] = base

        answers = {}

        def invoke():
            answers["slow"] = cp.ok("POST", bases["slow"], {})

        caller = threading.Thread(target=invoke)
        caller.start()
        time.sleep(0.3)  # the test invocation is now waiting for the endpoint
        assert caller.is_alive()
        t0 = time.monotonic()
        assert cp.ok("GET", f"/restapis/{api_id}")["name"] == "ti"
        r = cp.ok("POST", bases["cut"], {})  # a second one, its own timeout
        waited = time.monotonic() - t0
        assert waited < 2.0, f"the admin API waited {waited:.2f} s"
        assert r["status"] == 500 and "Endpoint request timed out" in r["log"], r
        assert caller.is_alive()  # still waiting for the slow endpoint
        gate.set()
        caller.join(10)
        assert answers["slow"]["status"] == 200 and answers["slow"]["body"] == '{"late": true}'
        assert "Received response. Status: 200" in answers["slow"]["log"]
    finally:
        gate.set()
        up.stop()
