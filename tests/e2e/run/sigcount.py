# SPDX-License-Identifier: GPL-2.0-or-later
# sigcount.py - a helper of tests/e2e/run.sh (runs as the container's CMD)
#
# Counts every delivery of SIGINT (the C-level handler writes one byte per
# delivery to a wakeup fd, so two SIGINTs are two even when Python runs its
# handler once), prints READY, waits for a line on stdin, waits 0.5 s more
# for late copies, and prints "SIGINT count N".
#
# Two copies sent microseconds apart merge into one while the first is still
# pending, so a duplicate would often go unseen: this process runs on the
# highest CPU it may use (ptydrive.py keeps the terminal side on the lowest)
# and spins, so each copy is taken as soon as it is sent.
import os, select, signal, sys, time

cpus = os.sched_getaffinity(0)
os.sched_setaffinity(0, {max(cpus)})

r, w = os.pipe()
os.set_blocking(r, False)
os.set_blocking(w, False)
signal.signal(signal.SIGINT, lambda *a: None)
signal.set_wakeup_fd(w)
print("READY", flush=True)
while not select.select([0], [], [], 0)[0]:
	for i in range(100000):
		pass
sys.stdin.readline()
time.sleep(0.5)
n = 0
try:
	while True:
		b = os.read(r, 256)
		if not b:
			break
		n += b.count(bytes([signal.SIGINT]))
except BlockingIOError:
	pass
print(f"SIGINT count {n}", flush=True)
