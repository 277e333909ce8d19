# SPDX-License-Identifier: GPL-2.0-or-later
# proto_client.py - a helper of tests/e2e/preload.sh (copied to its scratch directory)
#
# The request protocol of preload-path/proto.h, spoken directly.
#   proto_client.py fd|sock=PATH OP HOST PORT
# prints "answer action=A err=E fds=N [peer=ADDR]" or "refused: ..." and
# exits 0 (answered) / 3 (refused: closed without an answer) / 1 (error)
import os, select, socket, struct, sys

MAGIC, VERSION = 0x62346e73, 2
OPS = {"connect": 1, "bind": 2, "sendto": 3}
REQ = struct.Struct("=IHHiI128s")   # struct preload_req: 16 + 128 bytes
RESP = struct.Struct("=Iiii128s24s")  # struct preload_resp: 16 + 128 + 24 bytes
ACTIONS = {0: "native", 1: "switched", 2: "fail", 3: "send"}

how, op, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if ":" in host:
	fam = socket.AF_INET6
	sa = struct.pack("=H", fam) + struct.pack("!HI16sI", port, 0,
		socket.inet_pton(fam, host), 0)
else:
	fam = socket.AF_INET
	sa = struct.pack("=H", fam) + struct.pack("!H4s8x", port,
		socket.inet_aton(host))
req = REQ.pack(MAGIC, VERSION, OPS[op], 0, len(sa), sa)
assert len(req) == 144
if how == "fd":
	chan = socket.socket(fileno=int(os.environ["B4NS_PRELOAD_FD"]))
elif how.startswith("sock="):
	chan = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	chan.connect(how[5:])
else:
	sys.exit("usage: proto_client.py fd|sock=PATH OP HOST PORT")
typ = socket.SOCK_DGRAM if op == "sendto" else socket.SOCK_STREAM
app = socket.socket(fam, typ)
rr, rw = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
socket.send_fds(chan, [req], [app.fileno(), rw.fileno()])
rw.close()
rr.settimeout(5)
try:
	data, fds, _, _ = socket.recv_fds(rr, RESP.size, 4)
except socket.timeout:
	print("refused: no answer within 5 s")
	sys.exit(3)
if not data:
	print("refused: reply channel closed without an answer")
	sys.exit(3)
magic, action, err, _, to, _ = RESP.unpack(data)
line = (f"answer magic={'ok' if magic == MAGIC else hex(magic)} "
	f"action={ACTIONS.get(action, action)} err={err} fds={len(fds)}")
for fd in fds:
	s = socket.socket(fileno=fd)
	# err=-EINPROGRESS: the supervisor connects non-blocking; wait for it
	select.select([], [s], [], 5)
	try:
		line += f" peer={s.getpeername()[0]}:{s.getpeername()[1]}"
	except OSError as e:
		line += f" peer=({e.strerror})"
print(line)
