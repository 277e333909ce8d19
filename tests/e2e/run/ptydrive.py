# SPDX-License-Identifier: GPL-2.0-or-later
# ptydrive.py - a helper of tests/e2e/run.sh: a terminal user pressing ^C
#
# ptydrive.py N CMD... - run CMD as the session leader of a new
# pseudo-terminal (its foreground process group), wait for READY in its
# output, type ^C N times (0.3 s apart) and then a newline, and copy
# everything CMD printed to stdout. Exit status: CMD's, 124 on a 20 s
# timeout (CMD is then killed). This process and CMD run on the lowest CPU
# they may use (see sigcount.py).
import os, pty, select, signal, sys, time

n = int(sys.argv[1])
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
pid, fd = pty.fork()
if pid == 0:
	os.execvp(sys.argv[2], sys.argv[2:])
out = b""
deadline = time.monotonic() + 20

def pump(secs):
	global out
	end = min(deadline, time.monotonic() + secs)
	while True:
		left = end - time.monotonic()
		if left <= 0:
			return True
		rd, _, _ = select.select([fd], [], [], left)
		if not rd:
			continue
		try:
			b = os.read(fd, 4096)
		except OSError:  # EIO: every slave end is closed
			return False
		if not b:
			return False
		out += b

while b"READY" not in out and time.monotonic() < deadline:
	if not pump(0.1):
		break
for i in range(n):
	os.write(fd, b"\x03")
	pump(0.3)
os.write(fd, b"\n")
while time.monotonic() < deadline and pump(0.2):
	pass
sys.stdout.write(out.decode(errors="replace"))
if time.monotonic() >= deadline:
	os.kill(pid, signal.SIGKILL)
	os.waitpid(pid, 0)
	print("ptydrive: timeout")
	sys.exit(124)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st) & 0xff)
