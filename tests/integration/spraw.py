#!/usr/bin/env python3
"""spraw.py - raw SP (nng REQ/REP over ipc://) exchanges with mxtlsd's direct
socket for tests/integration/test_spclient.sh: what spclient.c and nng never
send (pipelining, device hops, malformed frames).

  spraw.py PATH pipeline DOMAIN...   one write with a request per domain
                                     (ids 0x80000001...), then print
                                     "<id hex> <reply>" per reply in order
  spraw.py PATH hops                 a request behind two device hops;
                                     prints the backtrace of the reply
  spraw.py PATH bad KIND             KIND: header (not SP), proto (a REP
                                     peer), type (message type 2), noid (no
                                     request id), huge (2 MiB length): prints
                                     "closed" when the daemon closes the
                                     connection without a reply, else what
                                     came back
"""
import json
import socket
import struct
import sys

REQ_HDR = b"\x00SP\x00\x00\x30\x00\x00"
REP_HDR = b"\x00SP\x00\x00\x31\x00\x00"


def msg(body):
    return b"\x01" + struct.pack(">Q", len(body)) + body


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_msg(s):
    h = read_exact(s, 9)
    if h is None:
        return None
    if h[0] != 1:
        raise SystemExit("bad type %d" % h[0])
    (n,) = struct.unpack(">Q", h[1:])
    return read_exact(s, n)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def policy(domain):
    return json.dumps({"v": 1, "op": "policy", "domain": domain}).encode()


def main():
    path, what = sys.argv[1], sys.argv[2]
    s = connect(path)
    if what == "pipeline":
        doms = sys.argv[3:]
        out = REQ_HDR
        for i, d in enumerate(doms):
            out += msg(struct.pack(">I", 0x80000001 + i) + policy(d))
        s.sendall(out)
        if read_exact(s, 8) != REP_HDR:
            raise SystemExit("bad peer header")
        for _ in doms:
            m = read_msg(s)
            if m is None:
                raise SystemExit("closed early")
            print("%08x %s" % (struct.unpack(">I", m[:4])[0], m[4:].decode()))
    elif what == "hops":
        bt = struct.pack(">III", 0x00000007, 0x00000003, 0x80000042)
        s.sendall(REQ_HDR + msg(bt + b'{"v":1,"op":"ping"}'))
        if read_exact(s, 8) != REP_HDR:
            raise SystemExit("bad peer header")
        m = read_msg(s)
        print(m[:12].hex(), json.loads(m[12:].decode())["status"])
    elif what == "bad":
        kind = sys.argv[3]
        if kind == "header":
            data = b"GET / HTTP/1.0\r\n\r\n"
        elif kind == "proto":
            data = REP_HDR + msg(b"\x80\x00\x00\x01{}")
        elif kind == "type":
            data = REQ_HDR + b"\x02" + struct.pack(">Q", 4) + b"\x80\x00\x00\x01"
        elif kind == "noid":
            data = REQ_HDR + msg(b"\x00\x00\x00\x01\x00\x00\x00\x02{}")
        elif kind == "huge":
            data = REQ_HDR + b"\x01" + struct.pack(">Q", 2 << 20)
        else:
            raise SystemExit("unknown kind " + kind)
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            print("timeout after %r" % got)
            return
        # the daemon's header may come first; nothing after it
        print("closed" if got in (b"", REP_HDR) else "got %r" % got)
    else:
        raise SystemExit("usage")


main()
