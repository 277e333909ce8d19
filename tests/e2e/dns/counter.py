#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# counter.py LOG ADDR:PORT... - TCP and UDP listeners on each address of
# host loopback that a container must never reach; one line per connection
# or datagram in LOG ("tcp ADDR:PORT" / "udp ADDR:PORT"), "listening" on
# stdout once bound.
import selectors
import socket
import sys

log = open(sys.argv[1], "a", buffering=1)
sel = selectors.DefaultSelector()
for spec in sys.argv[2:]:
    host, port = spec.rsplit(":", 1)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(fam, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host.strip("[]"), int(port)))
        if kind == socket.SOCK_STREAM:
            s.listen(16)
        sel.register(s, selectors.EVENT_READ, (kind, spec))
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        kind, spec = key.data
        if kind == socket.SOCK_STREAM:
            c, _ = key.fileobj.accept()
            c.close()
            log.write("tcp %s\n" % spec)
        else:
            key.fileobj.recvfrom(65536)
            log.write("udp %s\n" % spec)
