# SPDX-License-Identifier: GPL-2.0-or-later
# httpd.py - a server of tests/e2e/escape.sh (copied to its scratch directory)
#
# httpd.py ADDR PORT DIR - serve DIR over HTTP (not "python3 -m http.server":
# its bind looks the host name up, which hangs in the test host)
import functools, http.server, socketserver, sys


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                            directory=sys.argv[3])
server = Server((sys.argv[1], int(sys.argv[2])), handler)
print("listening", flush=True)
server.serve_forever()
