"""Counts unit test cases from meson's testlog.json (run with /usr/bin/python3).

Each test binary prints TAP; every "ok" / "not ok" line is one case. A binary
that failed without printing a "not ok" (a crash, a sanitizer abort) counts
as one failed case. Prints "PASSED FAILED"."""

import json
import re
import sys

passed = failed = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    print("0 1")
    sys.exit(0)
for line in lines:
    if not line.strip():
        continue
    t = json.loads(line)
    out = t.get("stdout") or t.get("stdo") or ""
    ok = len(re.findall(r"^ok \d+", out, re.M))
    bad = len(re.findall(r"^not ok \d+", out, re.M))
    if t.get("result") not in ("OK", "EXPECTEDFAIL") and bad == 0:
        bad = 1
    passed += ok
    failed += bad
print(passed, failed)
