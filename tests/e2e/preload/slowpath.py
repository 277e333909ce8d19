# SPDX-License-Identifier: GPL-2.0-or-later
# slowpath.py - a helper of tests/e2e/preload.sh (copied to its scratch directory)
#
# slowpath.py OUTDIR [ROUNDS] - connects to 10.77.0.1:8080 ROUNDS times
# (default 2), printing the local address of each ("local 10.77.0.1" is
# a switched host socket, "local 10.0.2.100" slirp4netns), then makes a
# child process do one more: one warning line per process is expected
# when the supervisor cannot be reached.
import os, socket, subprocess, sys

def once(tag):
	s = socket.create_connection(("10.77.0.1", 8080), timeout=10)
	s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
	body = b""
	while True:
		b = s.recv(4096)
		if not b:
			break
		body += b
	print(f"{tag}: local {s.getsockname()[0]} status "
	      f"{body.split(b' ', 2)[1].decode()}", flush=True)
	s.close()

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
if rounds == 0:
	once("child")
	sys.exit(0)
for i in range(rounds):
	once(f"connect {i + 1}")
sys.stdout.flush()
sys.exit(subprocess.call([sys.executable, sys.argv[0], "0"]))
