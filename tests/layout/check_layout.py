#!/usr/bin/env python3
"""Check the module layout of server/ and client/ (and proto/, sqlkit/):

1. No include cycle between modules. A module is a file's stem, with the
   suffix after the first "_" dropped when a header of that prefix exists
   (store_user.c and store_int.h belong to the store module).
2. Each header's functions live in the file of its name: every function a
   header X.h declares is defined in X.c or in an X_*.c file of its
   module's private split.

usage: check_layout.py [ROOT]   exits 1 and says what is wrong
"""
import os
import re
import sys

DIRS = ["proto", "sqlkit", "server", "client"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# a prototype at file scope: type, name, '(' ... ');' (no body)
DECL = re.compile(r"^(?!typedef|#|\s|/|\*|struct \w+ \{|enum|static)"
                  r"[\w \*]*?\b(\w+)\s*\([^;{]*\)\s*"
                  r"(?:__attribute__\(\(.*?\)\))?\s*;", re.M | re.S)


def files(root):
    for d in DIRS:
        for f in sorted(os.listdir(os.path.join(root, d))):
            if f.endswith((".c", ".h")):
                yield d, f


def module(d, stem, headers):
    if "_" in stem and (d, stem.split("_")[0]) in headers:
        return stem.split("_")[0]
    return stem


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..")
    all_files = list(files(root))
    headers = {(d, f[:-2]) for d, f in all_files if f.endswith(".h")}
    where = {f: d for d, f in all_files if f.endswith(".h")}
    graph, texts, problems = {}, {}, []
    for d, f in all_files:
        text = strip_comments(open(os.path.join(root, d, f)).read())
        texts[(d, f)] = text
        m = (d, module(d, f[:-2], headers))
        for inc in INCLUDE.findall(text):
            if inc in where:
                t = (where[inc], module(where[inc], inc[:-2], headers))
                if t != m:
                    graph.setdefault(m, set()).add(t)

    # 1. cycles, by depth-first search
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for t in sorted(graph.get(n, ())):
            if state.get(t) == 1:
                cyc = stack[stack.index(t):] + [t]
                problems.append("include cycle: " +
                                " -> ".join("%s/%s" % c for c in cyc))
            elif not state.get(t):
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if not state.get(n):
            visit(n)

    # 2. each header's functions in the file of its name
    for d, f in all_files:
        if not f.endswith(".h"):
            continue
        stem = f[:-2]
        homes = [(dd, ff) for dd, ff in all_files if dd == d and
                 ff.endswith(".c") and (ff[:-2] == stem or
                                        ff.startswith(stem + "_"))]
        body = "".join(texts[h] for h in homes)
        for name in DECL.findall(texts[(d, f)]):
            if name.startswith("__"):
                continue  # an attribute on a line of its own
            if not re.search(r"\b%s\s*\([^;]*?\)\s*\{" % re.escape(name), body):
                problems.append("%s/%s declares %s(), which is not defined "
                                "in %s" % (d, f, name, " or ".join(
                                    "%s/%s" % h for h in homes) or
                                    "a file of that name"))
    for p in problems:
        print(p)
    n_mod = len({m for m in graph} | {t for s in graph.values() for t in s})
    print("layout: %d modules, %d include edges, %d problems" %
          (n_mod, sum(len(s) for s in graph.values()), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
