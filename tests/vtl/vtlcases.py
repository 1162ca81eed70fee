"""Case files shared by the VTL oracle (VtlOracle.java) and the C driver
(vtl_render): records "<tlen> <ilen>\\n<template><input>" in, records
"<STATUS> <len>\\n<bytes>\\n" out (STATUS is OK, ERR or PARSE)."""
import json
import os
import subprocess

JARS = ["/usr/share/java/velocity.jar", "/usr/share/java/commons-collections3.jar",
        "/usr/share/java/commons-lang.jar"]


def write_cases(path, cases):
    """cases: iterable of (template str, input dict)."""
    with open(path, "wb") as f:
        for tmpl, inp in cases:
            t = tmpl.encode("utf-8")
            i = json.dumps(inp).encode("utf-8")
            f.write(b"%d %d\n" % (len(t), len(i)))
            f.write(t)
            f.write(i)


def read_results(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        status, n = data[pos:nl].split(b" ")
        n = int(n)
        out.append((status.decode(), data[nl + 1:nl + 1 + n]))
        pos = nl + 1 + n + 1
    return out


def build_oracle(workdir):
    """Compiles VtlOracle.java into workdir (javac); returns the classpath."""
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "VtlOracle.java")
    cls = os.path.join(workdir, "VtlOracle.class")
    if not os.path.exists(cls) or os.path.getmtime(cls) < os.path.getmtime(src):
        subprocess.run(["javac", "-nowarn", "-cp", ":".join(JARS), "-d", workdir, src],
                       check=True, stderr=subprocess.DEVNULL)
    return ":".join(JARS + [workdir])


def run_oracle(workdir, cases_path, out_path, repeat=1):
    cp = build_oracle(workdir)
    # one short-lived JVM: the C1 compiler alone starts fastest; a benchmark
    # (repeat > 1) gets the full JIT
    jit = ["-XX:TieredStopAtLevel=1"] if repeat == 1 else []
    r = subprocess.run(["java", "-Xshare:auto"] + jit + ["-cp", cp, "VtlOracle", cases_path,
                        out_path, str(repeat)], check=True, stderr=subprocess.PIPE, text=True)
    return r.stderr
