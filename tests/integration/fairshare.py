#!/usr/bin/python3
"""fairshare.py - raw socketmap clients for tests/integration/test_fairshare.sh
(issue 17: one peer's connections cannot deny lookups to another).

  fairshare.py hold ADDR N [SRC]
      N connections to ADDR (unix:PATH or inet:HOST:PORT; from source
      address SRC), one after the other; each sends a complete request
      ("mxtls [held.test]", answered NOTFOUND without a lookup) and keeps
      the connection if it is answered. Prints "held H refused R", then
      reads commands from stdin:
        check    asks again on every held connection; prints "alive A"
        release  closes them all; prints "released" and exits
  fairshare.py ask ADDR N [SRC]
      N new connections in turn, one request each; prints the replies
      ("NOTFOUND " or <EOF>), one a line.
  fairshare.py silent ADDR SECONDS
      one connection that sends nothing; prints "closed" when the server
      closes it within SECONDS, else "open".
  fairshare.py trickle ADDR SECONDS
      one connection that sends a request one byte a second; prints
      "closed after B bytes" when the server closes it first, else
      "answered".
  fairshare.py linger ADDR WAIT
      one connection: a request, WAIT seconds idle, a second request on the
      same connection (as Postfix does between lookups); prints both
      replies on one line.
"""
import resource
import socket
import sys
import time

REQ = b"mxtls [held.test]"


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


def connect(addr, src=None):
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


def ask(s):
    try:
        s.sendall(netstring(REQ))
    except OSError:
        return "<EOF>"
    return reply(s)


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
            elif r == "NOTFOUND ":
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
                alive = sum(1 for s in held if ask(s) == "NOTFOUND ")
                print("alive %d" % alive, flush=True)
            elif cmd == "release":
                for s in held:
                    s.close()
                print("released", flush=True)
                return 0
        return 0
    if mode == "silent":
        s = connect(addr)
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
