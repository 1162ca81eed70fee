"""Exact quotas: every data plane spends only budget the control plane leased it,
so however the traffic is spread the cluster never accepts more than the quota."""

import os
import signal
import sqlite3
import threading
import time

from harness import ControlPlane, DataPlane, deploy, make_key, make_key_api, make_plan, wait_for


def call(dp, ids, key):
    return dp.request("GET", ids["api"], "prod", "/pets", headers={"x-api-key": key["value"]})


def limit_exceeded(r):
    return (r.status_code == 429 and r.json() == {"message": "Limit Exceeded"}
            and r.headers["x-amzn-ErrorType"] == "LimitExceededException")


def quota_setup(cp, make_dp, limit, nodes, **dp_kw):
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    plan = make_plan(cp, ids["api"], keys=[key], quota={"limit": limit, "period": "DAY"})
    dps = [make_dp(**dp_kw).start() for _ in range(nodes)]
    for dp in dps:
        dp.wait_version(cp.version())
    return ids, key, plan, dps


class Tally:
    """Counts answers from several threads; any answer but 200 or Limit Exceeded fails."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted, self.refused, self.bad = 0, 0, []

    def send(self, dp, ids, key):
        r = call(dp, ids, key)
        with self.lock:
            if r.status_code == 200:
                self.accepted += 1
            elif limit_exceeded(r):
                self.refused += 1
            else:
                self.bad.append((r.status_code, r.text))
        return r.status_code


def hammer(tally, plan_of_sends, ids, key):
    """plan_of_sends: [(dp, count)], one thread each, all at once."""
    threads = [threading.Thread(target=lambda d=dp, n=n: [tally.send(d, ids, key) for _ in range(n)])
               for dp, n in plan_of_sends]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tally.bad == []


def ledger(cp):
    db = sqlite3.connect(f"file:{os.path.join(cp.dir, 'data', 'portico.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT node_id, granted, returned, held FROM quota_leases ORDER BY node_id").fetchall()
    finally:
        db.close()


def usage_today(cp, plan, key):
    day = time.strftime("%Y-%m-%d", time.gmtime())
    values = cp.ok("GET", f"/usageplans/{plan['id']}/usage?startDate={day}&endDate={day}")["values"]
    return values.get(key["id"], [[0, 0]])[0][0]


def test_two_nodes_hammered_accept_exactly_the_quota(cp, make_dp):
    ids, key, plan, dps = quota_setup(cp, make_dp, limit=10, nodes=2)
    tally = Tally()
    hammer(tally, [(dps[0], 25), (dps[1], 25), (dps[0], 25), (dps[1], 25)], ids, key)
    assert tally.accepted == 10, (tally.accepted, ledger(cp))
    assert tally.refused == 90
    wait_for(lambda: usage_today(cp, plan, key) == 10, what="/usage to count the 10")
    assert sum(row[1] - row[2] for row in ledger(cp)) <= 10


def test_three_nodes_uneven_load_never_exceed_and_reach_the_quota(cp, make_dp):
    ids, key, plan, dps = quota_setup(cp, make_dp, limit=20, nodes=3)
    tally = Tally()
    # 70 / 25 / 5 of the traffic
    hammer(tally, [(dps[0], 70), (dps[1], 25), (dps[2], 5)], ids, key)
    assert tally.accepted <= 20
    # budget a quiet node still holds goes back when it idles and is leased again
    deadline = time.monotonic() + 15
    while tally.accepted < 20 and time.monotonic() < deadline:
        tally.send(dps[0], ids, key)
        time.sleep(0.05)
    assert tally.accepted == 20, (tally.accepted, ledger(cp))
    for dp in dps:
        assert limit_exceeded(call(dp, ids, key))
    wait_for(lambda: usage_today(cp, plan, key) == 20, what="/usage to count the 20")


def warm_lease(dp, ids, key, n=6):
    for _ in range(n):
        assert call(dp, ids, key).status_code == 200
        time.sleep(0.1)


def granted_to(cp):
    return sum(row[1] - row[2] for row in ledger(cp))


def test_node_cut_from_control_plane_spends_only_its_lease(cp, make_dp):
    ids, key, plan, (dp,) = quota_setup(cp, make_dp, limit=1000, nodes=1)
    warm_lease(dp, ids, key)
    time.sleep(0.3)
    granted = granted_to(cp)
    assert 6 <= granted < 1000
    os.kill(cp.proc.pid, signal.SIGSTOP)
    try:
        codes = [call(dp, ids, key).status_code for _ in range(granted + 20)]
    finally:
        os.kill(cp.proc.pid, signal.SIGCONT)
    # closed (the default): only what it held, then Limit Exceeded
    assert codes.count(200) <= granted - 6, (codes.count(200), granted)
    assert codes[-1] == 429
    # back: leases again
    wait_for(lambda: call(dp, ids, key).status_code == 200, timeout=10, what="a new lease")


def test_open_when_control_plane_away_keeps_serving(cp, make_dp):
    ids, key, plan, (dp,) = quota_setup(cp, make_dp, limit=1000, nodes=1,
                                        extra_args=("--quota-when-control-plane-away", "open"))
    warm_lease(dp, ids, key)
    time.sleep(0.3)
    granted = granted_to(cp)
    os.kill(cp.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(3.5)  # the node counts the control plane as away after 3 s of silence
        codes = [call(dp, ids, key).status_code for _ in range(granted + 20)]
    finally:
        os.kill(cp.proc.pid, signal.SIGCONT)
    assert codes == [200] * len(codes)
    # counted and reported once the control plane is back
    wait_for(lambda: usage_today(cp, plan, key) == 6 + len(codes), what="the usage to arrive")


def test_bad_quota_away_option_is_refused(tmp_path, cp):
    dp = DataPlane(str(tmp_path), cp, name="bad", extra_args=("--quota-when-control-plane-away", "maybe"))
    dp.start(wait_ready=False)
    assert dp.proc.wait(10) != 0
    assert "open or closed" in dp.output()


def test_control_plane_restart_does_not_grant_beyond_the_quota(tmp_path, secret):
    cp = ControlPlane(str(tmp_path), secret).start()
    dps = []
    try:
        ids = make_key_api(cp)
        deploy(cp, ids["api"])
        key = make_key(cp)
        make_plan(cp, ids["api"], keys=[key], quota={"limit": 12, "period": "DAY"})
        dps = [DataPlane(str(tmp_path), cp, name=f"dp{i}").start() for i in range(2)]
        for dp in dps:
            dp.wait_version(cp.version())
        tally = Tally()
        hammer(tally, [(dps[0], 3), (dps[1], 3)], ids, key)  # leases out on both nodes
        assert tally.accepted == 6
        cp.kill()
        cp.start()
        hammer(tally, [(dps[0], 20), (dps[1], 20)], ids, key)
        assert tally.bad == []
        assert tally.accepted <= 12
        deadline = time.monotonic() + 15
        while tally.accepted < 12 and time.monotonic() < deadline:
            tally.send(dps[0], ids, key)
            time.sleep(0.05)
        assert tally.accepted == 12, (tally.accepted, ledger(cp))
    finally:
        for dp in dps:
            dp.stop()
        cp.stop()


def test_idle_lease_goes_back(cp, make_dp):
    ids, key, plan, dps = quota_setup(cp, make_dp, limit=40, nodes=2)
    warm_lease(dps[0], ids, key, n=8)  # dp1 holds more than it spent
    time.sleep(0.3)
    held = {row[0]: row[3] for row in ledger(cp)}
    assert held.get("dp1", 0) > 0, ledger(cp)
    # idle for 3 s: dp1 gives the rest back
    wait_for(lambda: {row[0]: row[3] for row in ledger(cp)}.get("dp1") == 0, timeout=10,
             what="dp1's lease to come back")
    assert "dp1" in dict((row[0], row[2]) for row in ledger(cp) if row[2] > 0)
    # all the rest goes to the busy node
    tally = Tally()
    hammer(tally, [(dps[1], 40)], ids, key)
    assert tally.accepted == 32, (tally.accepted, ledger(cp))


def test_rate_split_follows_skewed_traffic(cp, make_dp):
    """Each node enforces the part of a rate that its share of recent traffic
    earns it (controlplane/cluster/rate_share.h): with exactly the plan's rate
    sent 90/10 over two nodes, the cluster passes nearly all of it once the
    control plane has seen the skew, and never more than the rate."""
    ids = make_key_api(cp)
    deploy(cp, ids["api"])
    key = make_key(cp)
    make_plan(cp, ids["api"], keys=[key], throttle={"rateLimit": 20.0, "burstLimit": 2})
    dps = [make_dp().start() for _ in range(2)]
    for dp in dps:
        dp.wait_version(cp.version())
    wait_for(lambda: all(n.get("status") != "STALE" for n in cp.nodes()["item"]) and
             len(cp.nodes()["item"]) == 2, what="both nodes live")
    warmup, seconds, counts = 4.0, 6.0, {}

    def send(dp, rate, name):
        ok, sent, started = 0, 0, time.monotonic()
        measured_from, i = started + warmup, 0
        while time.monotonic() - started < warmup + seconds:
            sent_at = time.monotonic()
            r = call(dp, ids, key)
            assert r.status_code in (200, 429)
            if time.monotonic() >= measured_from:
                ok += r.status_code == 200
                sent += 1
            i += 1
            # never closer than 1/rate: a late request is not caught up with a
            # burst (on a loaded machine that burst, not the split, got 429s)
            time.sleep(max(0.0, started + i / rate - time.monotonic(), sent_at + 1 / rate - time.monotonic()))
        counts[name] = (ok, sent)

    threads = [threading.Thread(target=send, args=(dps[0], 18.0, "busy")),
               threading.Thread(target=send, args=(dps[1], 2.0, "quiet"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    passed = counts["busy"][0] + counts["quiet"][0]
    offered = counts["busy"][1] + counts["quiet"][1]
    share = passed / offered
    print(f"90/10 over two nodes: {passed} of {offered} passed ({share:.2f}); per node {counts}")
    # shares 86 % / 14 %: the busy node passes 17.2 of its 18 a second, the quiet
    # one all of its 2; an even split would pass 0.55 (its busy half: 10 of 18)
    assert counts["quiet"][0] == counts["quiet"][1], counts
    assert counts["busy"][0] <= 0.95 * 20 * seconds + 2, counts
    assert share >= 0.85, counts


def test_key_changes_during_load_do_not_double_the_budget(cp, make_dp):
    """A key delta swaps the key table under running requests: the leased budget
    moves to the new table, so nothing is spent twice."""
    ids, key, plan, dps = quota_setup(cp, make_dp, limit=30, nodes=2)
    tally = Tally()
    churn = threading.Thread(target=lambda: [
        cp.ok("POST", f"/usageplans/{plan['id']}/keys", {"keyId": make_key(cp, name=f"k{i}")["id"],
                                                         "keyType": "API_KEY"}, expect=201)
        for i in range(6)])
    churn.start()
    hammer(tally, [(dps[0], 40), (dps[1], 40)], ids, key)
    churn.join()
    assert tally.accepted <= 30
    deadline = time.monotonic() + 15
    while tally.accepted < 30 and time.monotonic() < deadline:
        tally.send(dps[tally.accepted % 2], ids, key)
        time.sleep(0.05)
    assert tally.accepted == 30, (tally.accepted, ledger(cp))
    assert all("key delta" in dp.output() for dp in dps)
