#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# attack.py ADDR:PORT... - from inside a container, try each host loopback
# address:port over TCP (connect) and UDP: sendto, connect + send, sendmsg
# with a destination, and sendmsg/sendmmsg re-aiming a UDP socket first
# connected to the name server 127.0.0.53:53 (had that socket been a host
# socket, they would leave through it). Prints "reached ADDR:PORT" for a TCP
# connect that succeeds; UDP cannot tell, the test host's counter does.
import ctypes
import socket
import struct
import sys

NS = ("127.0.0.53", 53)
libc = ctypes.CDLL(None, use_errno=True)


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class MsgHdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(IOVec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class MMsgHdr(ctypes.Structure):
    _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint)]


def sockaddr(fam, dst):
    """struct sockaddr_in / sockaddr_in6 bytes for dst"""
    port = struct.pack("!H", dst[1])
    if fam == socket.AF_INET:
        return (struct.pack("=H", fam) + port + socket.inet_pton(fam, dst[0])
                + b"\0" * 8)
    return (struct.pack("=H", fam) + port + b"\0" * 4
            + socket.inet_pton(fam, dst[0]) + b"\0" * 4)


def sendmmsg(sock, fam, dst):
    """two datagrams to dst in one sendmmsg(2)"""
    name = ctypes.create_string_buffer(sockaddr(fam, dst))
    data = ctypes.create_string_buffer(b"x")
    iov = IOVec(ctypes.cast(data, ctypes.c_void_p), 1)
    msgs = (MMsgHdr * 2)()
    for m in msgs:
        m.hdr = MsgHdr(ctypes.cast(name, ctypes.c_void_p), len(name.raw),
                       ctypes.pointer(iov), 1, None, 0, 0)
    n = libc.sendmmsg(sock.fileno(), msgs, 2, 0)
    if n < 0:
        raise OSError(ctypes.get_errno(), "sendmmsg")


for spec in sys.argv[1:]:
    host, port = spec.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    dst = (host, int(port))
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(dst)
        print("reached", spec, flush=True)
    except OSError as e:
        print("tcp", spec, e, flush=True)
    s.close()
    for how in ("sendto", "connect", "sendmsg", "ns-sendmsg", "ns-sendmmsg"):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            if how == "sendto":
                u.sendto(b"x", dst)
            elif how == "connect":
                u.connect(dst)
                u.send(b"x")
            elif how == "sendmsg":
                u.sendmsg([b"x"], [], 0, dst)
            else:
                if fam == socket.AF_INET:
                    u.connect(NS)
                else:
                    u.connect(("::ffff:127.0.0.53", 53))
                if how == "ns-sendmsg":
                    u.sendmsg([b"x"], [], 0, dst)
                else:
                    sendmmsg(u, fam, dst)
        except OSError as e:
            print("udp", how, spec, e, flush=True)
        u.close()
