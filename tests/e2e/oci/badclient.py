#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""badclient.py - send one malformed OCI seccomp listener message.

Usage: badclient.py CASE SOCKET [ARG]

Connects to the b4ns daemon's listener SOCKET the way an OCI runtime does
and sends a message of kind CASE:

  garbage     bytes that are not JSON at all
  truncated   the first half of a valid message (with one fd), then close
  nofd        a valid message whose "fds" lists "seccompFd", no SCM_RIGHTS
  twofds      a valid message listing one fd, carrying two
  notnotify   a valid message whose "seccompFd" is /dev/null
  huge        1 MiB: the start of a JSON string that never ends
  slow        connect and send nothing; hold the connection until the
              daemon closes it (at most 15 s)
  forge       an OCI state as the oci-hook registers a preload-mode
              container (no fds), claiming the sender's pid and the
              config section ARG (b4ns.config): what a process inside a
              container would send to get another section's settings

The message's state.id is "bad-CASE". Prints "pid PID" first (the pid the
daemon sees through SO_PEERCRED), then "sent N bytes, M fds" or the error
the daemon's early close caused (EPIPE, ECONNRESET: expected for garbage and
huge). Exit status 0 unless the connection itself failed.
"""
import json
import os
import socket
import sys
import time


def message(case):
    return json.dumps({
        "ociVersion": "0.2.0",
        "fds": ["seccompFd"],
        "pid": os.getpid(),
        "metadata": "",
        "state": {
            "ociVersion": "1.0.2",
            "id": "bad-" + case,
            "status": "creating",
            "pid": os.getpid(),
            "bundle": "/nonexistent",
            "annotations": {},
        },
    }).encode()


def main():
    case, path = sys.argv[1], sys.argv[2]
    print("pid", os.getpid(), flush=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    null = [os.open("/dev/null", os.O_RDONLY) for _ in range(2)]
    fds = []
    if case == "garbage":
        data = b"\x00\xffthis is not JSON }{ \x01\x02" * 4
    elif case == "truncated":
        full = message(case)
        data, fds = full[: len(full) // 2], null[:1]
    elif case == "nofd":
        data = message(case)
    elif case == "twofds":
        data, fds = message(case), null[:2]
    elif case == "notnotify":
        data, fds = message(case), null[:1]
    elif case == "forge":
        data = json.dumps({
            "ociVersion": "1.0.2", "id": "bad-forge", "status": "created",
            "pid": os.getpid(), "bundle": "/nonexistent",
            "annotations": {"b4ns.mode": "preload",
                            "b4ns.config": sys.argv[3] if len(sys.argv) > 3
                            else "batch"},
        }).encode()
    elif case == "huge":
        data = b'{"ociVersion":"0.2.0","fds":["seccompFd"],"x":"' + \
            b"x" * (1024 * 1024)
    elif case == "slow":
        t0 = time.monotonic()
        s.settimeout(15)
        try:
            got = s.recv(1)
        except socket.timeout:
            got = None
        print("held %.1f s: %s" % (time.monotonic() - t0,
              "timed out" if got is None else "daemon closed"), flush=True)
        return 0
    else:
        print("unknown case", case, file=sys.stderr)
        return 2
    try:
        if fds:
            n = socket.send_fds(s, [data[:4096]], fds)
            s.sendall(data[n:])
        else:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        print("sent %d bytes, %d fds" % (len(data), len(fds)), flush=True)
        # wait for the daemon to close its end (it never answers)
        s.settimeout(10)
        s.recv(1)
    except (BrokenPipeError, ConnectionResetError) as e:
        print("daemon closed early:", e.strerror, flush=True)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
