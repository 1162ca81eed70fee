#!/usr/bin/python3
"""Fails when source files of one plane include each other in a loop.

Run with Debian's /usr/bin/python3 (standard library only):
    tests/include_cycles.py [ROOT]

A module is a file's path without its extension, so `foo.c` and `foo.h` are
one node: `a.c` including `b.h` while `b.c` includes `a.h` is a loop (the two
modules depend on each other) even though no header includes itself. Quoted
includes are resolved the way the build resolves them: by file name among the
plane's folders and common/. Prints each loop found and exits 1, or prints
"no include cycles" and exits 0.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PLANES = ("controlplane", "dataplane")


def sources(folder):
    for base, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith((".c", ".h")):
                yield os.path.join(base, name)


def module_graph(root, plane):
    """Maps each module of the plane to the set of plane modules it includes."""
    files = list(sources(os.path.join(root, plane)))
    by_name = {}
    for path in files:
        by_name.setdefault(os.path.basename(path), []).append(path)
    graph = {}
    for path in files:
        node = os.path.splitext(path)[0]
        edges = graph.setdefault(node, set())
        with open(path, encoding="utf-8") as f:
            for header in INCLUDE.findall(f.read()):
                for target in by_name.get(os.path.basename(header), []):
                    other = os.path.splitext(target)[0]
                    if other != node:
                        edges.add(other)
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    bad = 0
    for plane in PLANES:
        for component in cycles(module_graph(root, plane)):
            bad += 1
            names = [os.path.relpath(m, root) for m in component]
            print("include cycle in %s: %s" % (plane, " <-> ".join(names)))
    if bad:
        return 1
    print("no include cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
