"""Differential test of Portico's template engine against Apache Velocity
1.7: renders generated cases (gen.py, fixed seed) with both and requires
byte-identical output (or an error from both). Prints "N passed, M failed".
Usage: run_diff.py BUILD_DIR [COUNT] [SEED] [--show K]"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import vtlcases  # noqa: E402


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = 5
    if "--show" in sys.argv:
        show = int(sys.argv[sys.argv.index("--show") + 1])
        args = [a for a in args if a != str(show)]
    build = args[0]
    count = int(args[1]) if len(args) > 1 else 10000
    seed = int(args[2]) if len(args) > 2 else 12
    work = tempfile.mkdtemp(prefix="vtl-diff-")
    all_cases = list(gen.cases(seed, count))
    cases_path = os.path.join(work, "cases")
    vtlcases.write_cases(cases_path, all_cases)
    vtlcases.run_oracle(work, cases_path, os.path.join(work, "java.out"))
    subprocess.run([os.path.join(build, "tests", "vtl", "vtl_render"), cases_path,
                    os.path.join(work, "c.out")], check=True)
    java = vtlcases.read_results(os.path.join(work, "java.out"))
    c = vtlcases.read_results(os.path.join(work, "c.out"))
    passed = failed = 0
    for k, (case, j, o) in enumerate(zip(all_cases, java, c)):
        same = j[0] == o[0] and (j[0] != "OK" or j[1] == o[1])
        if same:
            passed += 1
            continue
        failed += 1
        if failed <= show:
            print("--- case %d\n%r\ninput %r" % (k, case[0], case[1]["body"]))
            print("  velocity %s %r" % (j[0], j[1].decode("utf-8", "replace")[:600]))
            print("  portico  %s %r" % (o[0], o[1].decode("utf-8", "replace")[:600]))
    failed += abs(len(java) - len(c))
    statuses = {}
    for s, _ in java:
        statuses[s] = statuses.get(s, 0) + 1
    print("velocity statuses: %s" % statuses)
    if failed:
        print("cases and outputs kept in %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
