#!/usr/bin/env python3
"""Render cost of a typical mapping template: a ~1 KiB JSON body reshaped
with #foreach, $input.path and $util.escapeJavaScript. Portico's engine
(tests/vtl/vtl_render, compiled template, one render per request arena)
next to Apache Velocity 1.7 in the oracle harness (parsed once, rendered
with the JIT warm). Prints microseconds per render for both.

Usage: tests/bench/vtl.py [BUILD_DIR] [RENDERS]   (defaults: build, 20000)"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "vtl"))
import vtlcases  # noqa: E402

TEMPLATE = """#set($root = $input.path('$'))
{
  "order": "$util.escapeJavaScript($input.path('$.id'))",
  "customer": {
    "name": "$util.escapeJavaScript($input.path('$.customer.name'))",
    "email": "$util.escapeJavaScript($input.path('$.customer.email'))"
  },
  "lines": [
#foreach($line in $input.path('$.lines'))
    {"sku": "$util.escapeJavaScript($line.sku)", "qty": $line.qty, "note": "$util.escapeJavaScript($line.note)"}#if($foreach.hasNext),#end

#end
  ],
  "count": $input.path('$.lines').size(),
  "requestId": "$context.requestId"
}
"""


def body():
    lines = [{"sku": "SKU-%04d" % i, "qty": i % 7 + 1,
              "note": "gift \"wrap\" / line %d \u00e9" % i} for i in range(13)]
    doc = {"id": "ord-12345", "customer": {"name": "Ann O'Neil", "email": "ann@example.com"},
           "lines": lines}
    return json.dumps(doc)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    renders = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    req = {"body": body(), "params": {}, "context": {"requestId": "r-1"}, "stageVariables": {}}
    work = tempfile.mkdtemp(prefix="vtl-bench-")
    cases = os.path.join(work, "cases")
    vtlcases.write_cases(cases, [(TEMPLATE, req)])
    err = vtlcases.run_oracle(work, cases, os.path.join(work, "java.out"), repeat=renders)
    java_us = float(re.search(r"([0-9.]+) us per case", err).group(1))
    r = subprocess.run([os.path.join(build, "tests", "vtl", "vtl_render"), cases,
                        os.path.join(work, "c.out"), str(renders)],
                       check=True, stderr=subprocess.PIPE, text=True)
    c_us = float(re.search(r"([0-9.]+) us per render", r.stderr).group(1))
    same = vtlcases.read_results(os.path.join(work, "java.out")) == \
        vtlcases.read_results(os.path.join(work, "c.out"))
    print("body %d bytes, output identical: %s" % (len(req["body"]), same))
    print("portico  %8.2f us per render" % c_us)
    print("velocity %8.2f us per render (Velocity 1.7, parsed once, JIT warm)" % java_us)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
