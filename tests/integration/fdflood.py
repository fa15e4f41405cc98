#!/usr/bin/python3
"""fdflood.py - hold more idle connections than mxtlsd has descriptors
(tests/integration/test_fdflood.sh, issue 17).

  fdflood.py KEEPER_ADDR N ADDR...

KEEPER_ADDR (a socketmap address, unix:PATH or inet:HOST:PORT) gets one
connection first, checked with a key that needs no lookup; then N
connections to each ADDR (unix:PATH or inet:HOST:PORT), non-blocking, never
written to. Prints "flooded <connected>" and then reads commands from
stdin, one a line:
  lookup KEY   a socketmap request on the keeper connection; prints the reply
  release      closes the flood connections; prints "released"
"""
import errno
import resource
import socket
import sys


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


def connect(addr, block=True):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = addr[5:]
    else:
        host, port = addr[5:].rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    if block:
        s.settimeout(60)
        s.connect(target)
        return s
    s.setblocking(False)
    try:
        s.connect(target)
    except OSError as e:
        if e.errno not in (errno.EINPROGRESS, errno.EAGAIN):
            s.close()
            return None
        if e.errno == errno.EAGAIN:  # unix: the backlog is full
            s.close()
            return None
    return s


def reply(s):
    buf = b""
    while True:
        if b":" in buf:
            n, rest = buf.split(b":", 1)
            if len(rest) >= int(n) + 1:
                return rest[:int(n)].decode()
        chunk = s.recv(4096)
        if not chunk:
            return "<EOF>"
        buf += chunk


def main():
    keeper_addr, n, addrs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    except (ValueError, OSError):
        pass
    keeper = connect(keeper_addr)
    keeper.sendall(netstring(b"mxtls [held.test]"))
    r = reply(keeper)
    if r != "NOTFOUND ":
        print("keeper: " + r, flush=True)
        return 1
    flood = []
    for addr in addrs:
        for _ in range(n):
            s = connect(addr, block=False)
            if s is not None:
                flood.append(s)
    print("flooded %d" % len(flood), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "lookup":
            keeper.sendall(netstring(("mxtls " + cmd[1]).encode()))
            print(reply(keeper), flush=True)
        elif cmd[0] == "release":
            for s in flood:
                s.close()
            flood = []
            print("released", flush=True)
    keeper.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
