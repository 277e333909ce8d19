#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# attack.py ADDR:PORT... - from inside a container, try each host loopback
# address:port over TCP (connect) and UDP (sendto, and connect + send): print
# "reached ADDR:PORT" for a TCP connect that succeeds; UDP cannot tell, the
# test host's counter does.
import socket
import sys

for spec in sys.argv[1:]:
    host, port = spec.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    dst = (host, int(port))
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(dst)
        print("reached", spec, flush=True)
    except OSError as e:
        print("tcp", spec, e, flush=True)
    s.close()
    for connect in (False, True):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            if connect:
                u.connect(dst)
                u.send(b"x")
            else:
                u.sendto(b"x", dst)
        except OSError as e:
            print("udp", spec, e, flush=True)
        u.close()
