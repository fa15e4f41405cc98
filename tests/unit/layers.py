#!/usr/bin/env python3
"""layers.py [ROOT] - the include rules of docs/ARCHITECTURE.md, checked.

1. cached/ is in floors, from the ground up:
       util < dns, store < sts, dane < tlsrpt < serve < door < daemon
   and the two mains (cached/mxtlsd.c, cached/mxtlsctl.c) on top. A file
   includes headers of its own folder or of a lower floor only; two folders
   on one floor (dns and store, sts and dane) do not include each other.
2. common/ (linked into the MTA plugins) includes nothing of cached/ or
   modules/; modules/ include nothing of cached/.
3. No include circles: a file X.c, its header X.h and its internal header
   X_int.h are one unit; unit A
   reaches unit B when a file of A includes B's header. No unit reaches
   itself through others.
4. In cached/door/, a front door (a listener wiring file) does not include
   another front door's header: the engine and the codecs take their
   limits as arguments.
Exit 0 when every rule holds; otherwise each broken rule is printed with
the file and the include line, and the exit is 1.
"""
import os
import re
import sys

FLOORS = {"util": 1, "dns": 2, "store": 2, "sts": 3, "dane": 3,
          "tlsrpt": 4, "serve": 5, "door": 6, "daemon": 7}
MAINS = {"cached/mxtlsd.c", "cached/mxtlsctl.c",
         "cached/mxtlsctl_override.c"}
LISTENERS = {"socketmap", "direct"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    out = []
    for top in ("cached", "common", "modules"):
        for dirpath, _dirs, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def resolve(root, path, inc, common_headers):
    """The repository path an include line names, or None (a system or
    generated header)."""
    if path.startswith("cached/") and "/" in inc:
        cand = os.path.join("cached", inc)
        if os.path.exists(os.path.join(root, cand)):
            return cand
    here = os.path.join(os.path.dirname(path), inc)
    if os.path.exists(os.path.join(root, here)):
        return os.path.normpath(here)
    if inc in common_headers:
        return "common/" + inc
    cand = os.path.join("cached", inc)
    if os.path.exists(os.path.join(root, cand)):
        return cand
    return None


def unit_of(path):
    """X.c, X.h and X_int.h (X's internals, shared by X's own files) are
    one unit."""
    base = os.path.splitext(path)[0]
    return base[:-4] if base.endswith("_int") else base


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    root = os.path.abspath(root)
    files = sources(root)
    common_headers = {os.path.basename(f) for f in files
                      if f.startswith("common/") and f.endswith(".h")}
    bad = []
    edges = {}
    for path in files:
        text = open(os.path.join(root, path), encoding="utf-8").read()
        for inc in INCLUDE.findall(text):
            target = resolve(root, path, inc, common_headers)
            if target is None:
                continue
            a, b = unit_of(path), unit_of(target)
            if a != b:
                edges.setdefault(a, set()).add(b)
            where = f'{path}: #include "{inc}"'
            if path.startswith("common/") and not target.startswith("common/"):
                bad.append(f"{where}: common/ includes only common/")
            if path.startswith("modules/") and target.startswith("cached/"):
                bad.append(f"{where}: a plugin includes nothing of cached/")
            if path.startswith("cached/") and path not in MAINS:
                parts = path.split("/")
                if len(parts) != 3 or parts[1] not in FLOORS:
                    bad.append(f"{path}: not in a folder of cached/ "
                               f"({', '.join(FLOORS)})")
                    continue
                if target.startswith("cached/"):
                    if inc.count("/") != 1:
                        bad.append(f"{where}: include cached/ headers by "
                                   f"their path below cached/")
                    tdir = target.split("/")[1]
                    if tdir not in FLOORS:
                        bad.append(f"{where}: includes a main's file")
                        continue
                    mine, theirs = FLOORS[parts[1]], FLOORS[tdir]
                    if theirs > mine or (theirs == mine and tdir != parts[1]):
                        bad.append(f"{where}: {parts[1]}/ (floor {mine}) "
                                   f"reaches {tdir}/ (floor {theirs})")
                    if parts[1] == "door" and tdir == "door":
                        me = os.path.splitext(parts[2])[0]
                        them = os.path.splitext(os.path.basename(target))[0]
                        if (them in LISTENERS and me != them):
                            bad.append(f"{where}: a front door's header "
                                       f"included by another door file")

    # circles: Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    for comp in sccs:
        bad.append("include circle: " + " <-> ".join(comp))

    for line in bad:
        print("layers: " + line)
    units = len({unit_of(f) for f in files})
    print(f"layers: {units} units, {sum(len(v) for v in edges.values())} "
          f"include edges, {len(bad)} broken rule(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
