#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# tapattack.py ADDR:PORT... - from inside a container with a network helper
# (slirp4netns, pasta), aim packets at host loopback through the helper's
# tap interface, two ways, per ADDR:PORT: (1) Ethernet frames written on
# the tap with AF_PACKET (the container is root in its user namespace:
# CAP_NET_RAW there), a UDP datagram and a TCP SYN, IPv4 and (where the
# tap has a global IPv6 address) IPv6 to [::1]:PORT; (2) IPv4 only: the
# container's own routing: route_localnet on, the local 127/8 routes
# deleted, 127/8 routed via the tap's gateway, then plain connect() and
# sendto(). Nothing here may reach the host: the test host's counters tell.
import fcntl
import os
import random
import socket
import struct
import subprocess
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ifaddr(ifn):
    t = socket.socket()
    req = struct.pack("256s", ifn.encode()[:15])
    return socket.inet_ntoa(fcntl.ioctl(t.fileno(), 0x8915, req)[20:24])


def ifaddr6(ifn):
    """the tap's global IPv6 address, or None"""
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", ifn,
                          "scope", "global"], capture_output=True,
                         text=True).stdout.split()
    return out[3].split("/")[0] if len(out) > 3 else None


def frame(ifn, dst, port, proto):
    """one Ethernet frame, UDP datagram or TCP SYN to dst:port"""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifn, 0))
    req = struct.pack("256s", ifn.encode()[:15])
    mac = fcntl.ioctl(s.fileno(), 0x8927, req)[18:24]  # SIOCGIFHWADDR
    v6 = ":" in dst
    if v6:
        src6 = ifaddr6(ifn)
        if not src6:
            print("frame", proto, dst, "no IPv6 on", ifn, flush=True)
            return False
        src = socket.inet_pton(socket.AF_INET6, src6)
        dstb = socket.inet_pton(socket.AF_INET6, dst)
    else:
        src, dstb = socket.inet_aton(ifaddr(ifn)), socket.inet_aton(dst)
    sp = random.randint(20000, 60000)
    if proto == 17:
        l4 = struct.pack("!HHHH", sp, port, 13, 0) + b"hello"
        off = 6
    else:
        l4 = struct.pack("!HHIIBBHHH", sp, port, random.getrandbits(32), 0,
                         5 << 4, 0x02, 64240, 0, 0)
        off = 16
    if v6:
        c = csum(src + dstb + struct.pack("!IxxxB", len(l4), proto) + l4)
        l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, src,
                         dstb)
        s.send(b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + ip + l4)
        return True
    c = csum(src + dstb + struct.pack("!BBH", 0, proto, len(l4)) + l4)
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64,
                     proto, 0, src, dstb)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(b"\xff" * 6 + mac + b"\x08\x00" + ip + l4)
    return True


# "default via GW dev IF ..."
route = subprocess.run(["ip", "-4", "route", "show", "default"],
                       capture_output=True, text=True, check=True).stdout.split()
gw, ifn = route[2], route[4]
targets = []
for spec in sys.argv[1:]:
    host, port = spec.rsplit(":", 1)
    targets.append((host.strip("[]"), int(port)))
for dst in targets:
    for proto in (17, 6):
        try:
            if frame(ifn, dst[0], dst[1], proto):
                print("frame", proto, dst, "sent on", ifn, flush=True)
        except OSError as e:
            print("frame", proto, dst, e, flush=True)
# (2): 127/8 out of the tap
for d in os.listdir("/proc/sys/net/ipv4/conf"):
    try:
        with open("/proc/sys/net/ipv4/conf/%s/route_localnet" % d, "w") as f:
            f.write("1")
    except OSError as e:
        print("route_localnet", d, e)
for r in ("127.0.0.0/8", "127.0.0.1"):
    subprocess.run(["ip", "route", "del", "local", r, "dev", "lo", "table",
                    "local"])
subprocess.run(["ip", "route", "add", "127.0.0.0/8", "via", gw, "dev", ifn,
                "src", ifaddr(ifn)])
for dst in [t for t in targets if ":" not in t[0]]:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.sendto(b"x", dst)
    except OSError as e:
        print("udp", dst, e, flush=True)
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(dst)
        print("reached", dst, flush=True)
    except OSError as e:
        print("tcp", dst, e, flush=True)
