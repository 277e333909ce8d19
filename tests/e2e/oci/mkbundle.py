#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mkbundle.py - turn "runc spec --rootless" output into a test bundle.

Usage: mkbundle.py BUNDLE ROOTFS PROFILE [KEY=VALUE...] -- ARG...

Edits BUNDLE/config.json (written by "runc spec --rootless" beforehand):
the root is ROOTFS (read-only), the process is ARG... without a terminal,
the container gets its own network namespace (which has only lo: nothing
configures it), linux.seccomp is the JSON profile in the file PROFILE
("none": no seccomp section) and every KEY=VALUE becomes an OCI
annotation (runc passes them to the listener as state.annotations).
"""
import json
import sys


def main():
    argv = sys.argv[1:]
    if "--" not in argv or len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index("--")
    (bundle, rootfs, profile), annots, args = argv[:3], argv[3:sep], argv[sep + 1:]
    path = bundle + "/config.json"
    with open(path) as f:
        cfg = json.load(f)
    cfg["root"] = {"path": rootfs, "readonly": True}
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = args
    cfg["process"]["env"] = ["PATH=/bin", "HOME=/"]
    ns = cfg["linux"]["namespaces"]
    if not any(n["type"] == "network" for n in ns):
        ns.append({"type": "network"})
    if profile != "none":
        with open(profile) as f:
            cfg["linux"]["seccomp"] = json.load(f)
    else:
        cfg["linux"].pop("seccomp", None)
    cfg["annotations"] = dict(a.split("=", 1) for a in annots)
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
