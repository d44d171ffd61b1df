#!/usr/bin/env python3
"""Fails when the engine's module graph has a cycle or a module links one above it.

Input: the edges CMake wrote at configure time (tests/CMakeLists.txt), one "TARGET DEP" a line,
from both LINK_LIBRARIES and INTERFACE_LINK_LIBRARIES, so PUBLIC and PRIVATE links both count.
"""
import sys

# Lowest first. A target may link only targets of a strictly lower layer (daemon and client are
# siblings at the top; the D-Bus glue they share sits just below them).
LAYERS = [
    ["deploy_util"],
    ["deploy_repo"],
    ["deploy_etc"],
    ["deploy_bootloader"],
    ["deploy_sysroot"],
    ["deploy_layering", "deploy_image"],
    ["deploy_operations"],
    ["deploy_daemon_client"],
    ["deployd_core", "deployctl"],
    ["deployd"],
]
RANK = {t: i for i, layer in enumerate(LAYERS) for t in layer}


def main(path):
    edges = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0] in RANK and parts[1] in RANK:
                edges.setdefault(parts[0], set()).add(parts[1])
    errors = []
    for src, deps in sorted(edges.items()):
        for dep in sorted(deps):
            if RANK[dep] >= RANK[src]:
                errors.append(f"{src} links {dep}, which is not below it")
    # A cycle implies an upward edge under any ranking; still report it as such for clarity.
    state = {}

    def visit(node, stack):
        state[node] = 1
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                errors.append("cycle: " + " -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    missing = [t for t in RANK if t not in edges and t != "deploy_util"]
    if missing:
        errors.append("no edges recorded for " + ", ".join(missing))
    for e in errors:
        print("error: module graph: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
