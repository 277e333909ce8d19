# SPDX-License-Identifier: GPL-2.0-or-later
# listener.py SOCKET OUTDIR - the stand-in daemon of tests/e2e/podman-hook.sh:
# records each OCI listener message as OUTDIR/msg-N.json and the number of
# fds it carried as OUTDIR/msg-N.nfds, keeps the fds, never answers.
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(64)
print("listening", flush=True)
n, held = 0, []
while True:
    c, _ = s.accept()
    data, fds = b"", []
    while True:
        msg, f, _, _ = socket.recv_fds(c, 65536, 8)
        fds += f
        if not msg:
            break
        data += msg
    c.close()
    if not data:
        continue  # the hook's "is the daemon running?" probe
    n += 1
    with open(os.path.join(out, "msg-%d.json" % n), "wb") as fh:
        fh.write(data)
    with open(os.path.join(out, "msg-%d.nfds" % n), "w") as fh:
        fh.write("%d\n" % len(fds))
    held += fds  # closing the notify fd would fail the trapped syscalls
