# SPDX-License-Identifier: GPL-2.0-or-later
# killed.py - a helper of tests/e2e/preload.sh (copied to its scratch directory)
#
# killed.py DIR - connect once (must be switched), write DIR/phase1, wait
# for DIR/go, then connect twice more and write DIR/done
import os, socket, sys, time

d = sys.argv[1]

def once():
	s = socket.create_connection(("10.77.0.1", 8080), timeout=10)
	s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
	ok = s.recv(64).startswith(b"HTTP/1.0 200")
	local = s.getsockname()[0]
	s.close()
	return f"local {local} {'200' if ok else 'bad answer'}"

with open(f"{d}/phase1.tmp", "w") as f:
	f.write(f"pid {os.getpid()} first: {once()}\n")
os.rename(f"{d}/phase1.tmp", f"{d}/phase1")
while not os.path.exists(f"{d}/go"):
	time.sleep(0.05)
out = []
for i in range(2):
	try:
		out.append(f"after {i + 1}: {once()}")
	except OSError as e:
		out.append(f"after {i + 1}: {e!r}")
with open(f"{d}/done.tmp", "w") as f:
	f.write("\n".join(out) + "\n")
os.rename(f"{d}/done.tmp", f"{d}/done")
