# SPDX-License-Identifier: GPL-2.0-or-later
# errno_check.py - a helper of tests/e2e/preload.sh (copied to its scratch directory)
#
# errno_check.py HOST PORT - errno is kept on paths that do not fail
import ctypes, socket, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
for f in (libc.connect, libc.bind):
	f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
libc.sendto.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t,
			ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
MARK = 4242

def sin(host, port):
	return struct.pack("=H", socket.AF_INET) + \
		struct.pack("!H4s8x", port, socket.inet_aton(host))

bad = 0
def check(what, r, want_r):
	global bad
	e = ctypes.get_errno()
	ok = r == want_r and e == MARK
	bad += not ok
	print(f"errno {what}: returned {r}, errno {e}"
	      f"{'' if ok else '  <-- WRONG (want %d, errno %d)' % (want_r, MARK)}")

host, port = sys.argv[1], int(sys.argv[2])
lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(8)
lport = lsn.getsockname()[1]

s = socket.socket()
ctypes.set_errno(MARK)
check("switched blocking connect", libc.connect(s.fileno(), sin(host, port), 16), 0)
s = socket.socket()
ctypes.set_errno(MARK)
check("native connect to the container's 127.0.0.1",
      libc.connect(s.fileno(), sin("127.0.0.1", lport), 16), 0)
s = socket.socket()
ctypes.set_errno(MARK)
check("native bind 0.0.0.0:0", libc.bind(s.fileno(), sin("0.0.0.0", 0), 16), 0)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ctypes.set_errno(MARK)
check("switched unconnected sendto",
      libc.sendto(u.fileno(), b"ping", 4, 0, sin(host, 5300), 16), 4)
ctypes.set_errno(MARK)
check("second sendto on the switched socket",
      libc.sendto(u.fileno(), b"ping", 4, 0, sin(host, 5300), 16), 4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ctypes.set_errno(MARK)
check("native sendto to the container's 127.0.0.1",
      libc.sendto(u.fileno(), b"ping", 4, 0, sin("127.0.0.1", 9), 16), 4)
s = socket.socket()
r = libc.connect(s.fileno(), sin(host, 1), 16)
e = ctypes.get_errno()
print(f"errno failed switched connect: returned {r}, errno {e}")
if r != -1 or e != 111:
	print("  <-- WRONG (want -1, ECONNREFUSED)")
	bad += 1
print("errno-check: ok" if not bad else "errno-check: FAILED")
sys.exit(1 if bad else 0)
