#!/usr/bin/env python3
"""Writes a hostile commit straight into a store: a chain of DEPTH nested directories "d/d/d/...",
as canonical JSON objects named by their SHA-256 (the format of libdeploy/src/repo/object.cpp).
Much faster than mkdir 100k deep, and the only way past `repo commit`, which refuses such trees.
Usage: deep_tree.py REPO DEPTH REF  -- makes the commit (parent: REF's commit) and moves REF to it.
"""
import hashlib
import json
import os
import sys
import time

repo, depth, ref = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def put(kind, obj):
    data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    csum = hashlib.sha256(data).hexdigest()
    d = os.path.join(repo, "objects", csum[:2])
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "%s.%s" % (csum[2:], kind))
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return csum


ref_path = os.path.join(repo, "refs", "heads", ref)
parent = open(ref_path).read().strip() if os.path.exists(ref_path) else ""
meta = put("dirmeta", {"mode": 0o40755, "uid": 0, "gid": 0, "xattrs": {}})
tree = put("dirtree", {"files": [], "dirs": []})
for _ in range(depth):
    tree = put("dirtree", {"files": [], "dirs": [["d", tree, meta]]})
commit = put("commit", {"root_tree": tree, "root_meta": meta, "parent": parent,
                        "timestamp": int(time.time()), "version": "deep", "subject": "hostile",
                        "body": "", "metadata": {}})
os.makedirs(os.path.dirname(ref_path), exist_ok=True)
with open(ref_path + ".tmp", "w") as f:
    f.write(commit + "\n")
os.rename(ref_path + ".tmp", ref_path)
print(commit)
