#!/usr/bin/env python3
"""spabuse.py - clients that misbehave on mxtlsd's IPC socket (ipc.listen)
for tests/integration/test_ipc_abuse.sh: what a broken or hostile local
client may do to an SP (nng REQ/REP) socket. Each KIND does its damage and
exits; the test then checks that the socket still serves other clients.

  spabuse.py URL KIND     URL: ipc:///PATH or tcp://HOST:PORT
    bare      connect and close at once (nng 1.5.2's listener stopped
              accepting after this: nanomsg/nng issue 1518)
    partial   the first 3 bytes of a REQ peer's header, then close
    pub       a PUB peer's header (protocol 0x0020), wait for the daemon
              to close, then close
    halfmsg   a REQ header and half of a ping request, then close
    garbage   1 MiB of random bytes without a header; then a REQ header
              followed by 256 KiB of random bytes (a second connection)
    flood     a REQ header and 20000 pings without reading a reply, then
              close
    halfopen  three connections left open (nothing sent; half a header;
              a header and half a request): prints "open" once they are,
              then waits until stdin closes or 120 s pass
Prints "done" when the damage is done (the daemon's reaction is not
asserted here: only the test's well-behaved clients are).
"""
import os
import select
import socket
import struct
import sys

REQ_HDR = b"\x00SP\x00\x00\x30\x00\x00"
PUB_HDR = b"\x00SP\x00\x00\x20\x00\x00"
PING = b'{"v":1,"op":"ping"}'


def connect(url):
    if url.startswith("ipc://"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(url[len("ipc://"):])
        return s, False
    if url.startswith("tcp://"):
        host, port = url[len("tcp://"):].rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), 10)
        return s, True
    raise SystemExit("URL: ipc:///PATH or tcp://HOST:PORT")


def msg(body, tcp):
    """One SP message: ipc:// has a type byte before the length."""
    return (b"" if tcp else b"\x01") + struct.pack(">Q", len(body)) + body


def request(n, tcp):
    return msg(struct.pack(">I", 0x80000000 | n) + PING, tcp)


def send_quietly(s, data):
    """Send what the daemon takes; it may close on us (that is allowed)."""
    try:
        s.sendall(data)
    except OSError:
        pass


def drain_until_closed(s):
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    url, kind = sys.argv[1], sys.argv[2]
    if kind == "bare":
        s, _ = connect(url)
        s.close()
    elif kind == "partial":
        s, _ = connect(url)
        s.sendall(REQ_HDR[:3])
        s.close()
    elif kind == "pub":
        s, _ = connect(url)
        send_quietly(s, PUB_HDR)
        drain_until_closed(s)
        s.close()
    elif kind == "halfmsg":
        s, tcp = connect(url)
        m = request(1, tcp)
        s.sendall(REQ_HDR + m[: len(m) // 2])
        s.close()
    elif kind == "garbage":
        s, _ = connect(url)
        send_quietly(s, os.urandom(1 << 20))
        s.close()
        s, _ = connect(url)
        send_quietly(s, REQ_HDR + os.urandom(256 << 10))
        s.close()
    elif kind == "flood":
        s, tcp = connect(url)
        s.settimeout(3)  # the daemon stops reading once its replies wait
        send_quietly(s, REQ_HDR + b"".join(request(i, tcp) for i in range(20000)))
        s.close()
    elif kind == "halfopen":
        conns = [connect(url) for _ in range(3)]
        conns[1][0].sendall(REQ_HDR[:5])
        m = request(1, conns[2][1])
        conns[2][0].sendall(REQ_HDR + m[: len(m) // 2])
        print("open", flush=True)
        select.select([sys.stdin], [], [], 120)
        for s, _ in conns:
            s.close()
    else:
        raise SystemExit("unknown KIND " + kind)
    print("done", flush=True)


main()
