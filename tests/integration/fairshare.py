#!/usr/bin/python3
"""fairshare.py - raw socketmap clients for tests/integration/test_fairshare.sh
(issue 17: one peer's connections cannot deny lookups to another).

  fairshare.py hold ADDR N [SRC]
      N connections to ADDR (socketmap: unix:PATH or inet:HOST:PORT, from
      source address SRC; the IPC protocol over SP: sp:PATH), one after
      the other; each sends a complete request (socketmap: "mxtls
      [held.test]", answered NOTFOUND without a lookup; SP: a ping) and
      keeps the connection if it is answered. Prints "held H refused R",
      then
      reads commands from stdin:
        check    asks again on every held connection; prints "alive A"
        dead     the same; prints "dead I,J" (the 0-based indexes, in the
                 order they were opened, of the connections that did not
                 answer) or "dead none"
        release  closes them all; prints "released" and exits
  fairshare.py ask ADDR N [SRC]
      N new connections in turn, one request each; prints "ok" for each
      answered, else what came back (<EOF>: closed), one a line.
  fairshare.py silent ADDR SECONDS
      one connection that sends nothing (SP: not even its header); prints "closed" when the server
      closes it within SECONDS, else "open".
  fairshare.py trickle ADDR SECONDS
      one socketmap connection that sends a request one byte a second;
      prints
      "closed after B bytes" when the server closes it first, else
      "answered".
  fairshare.py linger ADDR WAIT
      one connection: a request, WAIT seconds idle, a second request on the
      same connection (as Postfix does between lookups); prints both
      results ("ok" or what came back) as "R1|R2".
"""
import json
import resource
import socket
import struct
import sys
import time

REQ = b"mxtls [held.test]"
SP_REQ_HDR = b"\x00SP\x00\x00\x30\x00\x00"
SP_REP_HDR = b"\x00SP\x00\x00\x31\x00\x00"
SP_ID = 0x80000001


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


class SP:
    """an SP (nng REQ over ipc://) connection"""

    def __init__(self, s):
        self.s = s
        self.hello = False

    def close(self):
        self.s.close()


def connect(addr, src=None):
    if addr.startswith("sp:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(addr[3:])
        return SP(s)
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(addr[5:])
        return s
    host, port = addr[5:].rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(30)
    s.connect((host, int(port)))
    return s


def reply(s):
    buf = b""
    try:
        while True:
            if b":" in buf:
                n, rest = buf.split(b":", 1)
                if len(rest) >= int(n) + 1:
                    return rest[:int(n)].decode()
            chunk = s.recv(4096)
            if not chunk:
                return "<EOF>"
            buf += chunk
    except (ConnectionError, socket.timeout, OSError):
        return "<EOF>"


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def ask_sp(c):
    body = json.dumps({"v": 1, "op": "ping"}).encode()
    out = b"" if c.hello else SP_REQ_HDR
    out += b"\x01" + struct.pack(">Q", 4 + len(body))
    out += struct.pack(">I", SP_ID) + body
    try:
        c.s.sendall(out)
        if not c.hello:
            if read_exact(c.s, 8) != SP_REP_HDR:
                return "<EOF>"
            c.hello = True
        h = read_exact(c.s, 9)
        if h is None:
            return "<EOF>"
        m = read_exact(c.s, struct.unpack(">Q", h[1:])[0])
    except (ConnectionError, socket.timeout, OSError):
        return "<EOF>"
    if m is None:
        return "<EOF>"
    if struct.unpack(">I", m[:4])[0] != SP_ID:
        return "bad id"
    r = json.loads(m[4:])
    return "ok" if r.get("status") == "ok" else m[4:].decode()


def ask(s):
    if isinstance(s, SP):
        return ask_sp(s)
    try:
        s.sendall(netstring(REQ))
    except OSError:
        return "<EOF>"
    r = reply(s)
    return "ok" if r == "NOTFOUND " else r


def closed_within(s, seconds):
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def main():
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    mode, addr = sys.argv[1], sys.argv[2]
    if mode in ("hold", "ask"):
        n = int(sys.argv[3])
        src = sys.argv[4] if len(sys.argv) > 4 else None
        held, refused = [], 0
        for _ in range(n):
            try:
                s = connect(addr, src)
            except OSError:
                refused += 1
                continue
            r = ask(s)
            if mode == "ask":
                print(r, flush=True)
                s.close()
            elif r == "ok":
                held.append(s)
            else:
                refused += 1
                s.close()
        if mode == "ask":
            return 0
        print("held %d refused %d" % (len(held), refused), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "check":
                alive = sum(1 for s in held if ask(s) == "ok")
                print("alive %d" % alive, flush=True)
            elif cmd == "dead":
                dead = [str(i) for i, s in enumerate(held) if ask(s) != "ok"]
                print("dead %s" % (",".join(dead) or "none"), flush=True)
            elif cmd == "release":
                for s in held:
                    s.close()
                print("released", flush=True)
                return 0
        return 0
    if mode == "silent":
        s = connect(addr)
        if isinstance(s, SP):  # the daemon's SP header comes first
            s = s.s
            if read_exact(s, 8) != SP_REP_HDR:
                print("no SP header")
                return 0
        print("closed" if closed_within(s, float(sys.argv[3])) else "open")
        return 0
    if mode == "trickle":
        s = connect(addr)
        data = netstring(REQ)
        deadline = time.monotonic() + float(sys.argv[3])
        for i, b in enumerate(data):
            try:
                s.sendall(bytes([b]))
            except OSError:
                print("closed after %d bytes" % i)
                return 0
            if i + 1 < len(data) and closed_within(s, 1.0):
                print("closed after %d bytes" % (i + 1))
                return 0
            if time.monotonic() > deadline:
                break
        r = reply(s)
        print("answered" if r == "NOTFOUND " else "closed after %d bytes"
              % len(data))
        return 0
    if mode == "linger":
        s = connect(addr)
        r1 = ask(s)
        time.sleep(float(sys.argv[3]))
        r2 = ask(s)
        print("%s|%s" % (r1, r2))
        return 0
    print("usage: see the docstring", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
