# SPDX-License-Identifier: GPL-2.0-or-later
# dns.py - a server of tests/e2e/escape.sh (copied to its scratch directory)
#
# dns.py ADDR NAME A - answer UDP queries on ADDR:53: NAME has the A record
# A (TTL 60, no other records), anything else NXDOMAIN; one line per query
import socketserver, struct, sys

ADDR, NAME, A = sys.argv[1], sys.argv[2].lower(), sys.argv[3]


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        if len(data) < 17:
            return
        i, labels = 12, []
        while i < len(data) and data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace"))
            i += 1 + data[i]
        i += 1
        if i + 4 > len(data):
            return
        qtype = struct.unpack(">H", data[i:i + 2])[0]
        name = ".".join(labels).lower()
        ans = b""
        if name == NAME and qtype == 1:
            ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes(
                int(x) for x in A.split("."))
        flags = 0x8180 | (0 if name == NAME else 3)
        hdr = data[:2] + struct.pack(">HHHHH", flags, 1, 1 if ans else 0, 0, 0)
        sock.sendto(hdr + data[12:i + 4] + ans, self.client_address)
        print("query", name, qtype, "from", self.client_address[0], flush=True)


socketserver.UDPServer.allow_reuse_address = True
server = socketserver.UDPServer((ADDR, 53), Handler)
print("listening", flush=True)
server.serve_forever()
