#!/usr/bin/python3
"""smclient.py - a socketmap (netstring) client for the integration tests.

  smclient.py ADDR NAME KEY...             one connection, request/reply in turn
  smclient.py --pipeline ADDR NAME KEY...  all requests in one write, then the replies
  smclient.py --raw ADDR BYTES             send BYTES (Python escapes allowed) and
                                           shut down our side, print every reply,
                                           then <EOF> when the server closed
  smclient.py --parallel N M ADDR NAME KEY N connections x M requests at once;
                                           prints "<replies> <distinct replies>"
ADDR is unix:PATH or inet:HOST:PORT. Each reply payload is printed on a line.
"""
import socket
import sys
import threading


def connect(addr):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    else:
        host, port = addr[5:].rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    s.settimeout(30)
    return s


class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def reply(self):
        """one netstring payload, or None at EOF"""
        while True:
            if b":" in self.buf:
                n, rest = self.buf.split(b":", 1)
                n = int(n)
                if len(rest) >= n + 1:
                    if rest[n:n + 1] != b",":
                        raise ValueError("bad netstring from server")
                    self.buf = rest[n + 1:]
                    return rest[:n]
            data = self.s.recv(65536)
            if not data:
                return None
            self.buf += data


def ns(payload):
    return b"%d:%s," % (len(payload), payload)


def show(p):
    print("<EOF>" if p is None else p.decode("utf-8", "backslashreplace"), flush=True)


def main(argv):
    mode = "seq"
    if argv[0] in ("--pipeline", "--raw", "--parallel"):
        mode, argv = argv[0][2:], argv[1:]
    if mode == "parallel":
        nconn, nreq, addr, name, key = int(argv[0]), int(argv[1]), argv[2], argv[3], argv[4]
        replies, lock = [], threading.Lock()

        def worker():
            s = connect(addr)
            r = Reader(s)
            for _ in range(nreq):
                s.sendall(ns(("%s %s" % (name, key)).encode()))
                p = r.reply()
                with lock:
                    replies.append(p)
            s.close()

        threads = [threading.Thread(target=worker) for _ in range(nconn)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(len([p for p in replies if p is not None]), len(set(replies)))
        return 0
    addr = argv[0]
    s = connect(addr)
    r = Reader(s)
    if mode == "raw":
        s.sendall(argv[1].encode("latin-1").decode("unicode_escape").encode("latin-1"))
        s.shutdown(socket.SHUT_WR)  # the server sees EOF after these bytes
        s.settimeout(10)
        while True:
            try:
                p = r.reply()
            except socket.timeout:
                print("<TIMEOUT>", flush=True)
                break
            show(p)
            if p is None:
                break
        return 0
    name, keys = argv[1], argv[2:]
    if mode == "pipeline":
        s.sendall(b"".join(ns(("%s %s" % (name, k)).encode()) for k in keys))
        for _ in keys:
            show(r.reply())
    else:
        for k in keys:
            s.sendall(ns(("%s %s" % (name, k)).encode()))
            show(r.reply())
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
