#!/usr/bin/env python3
"""tlsrpt_receiver.py SOCKET DIR - the HTTPS report receiver of the TLSRPT
tests (RFC 8460 §5.4), behind the world's nginx: report.enforce.test
proxies /tlsrpt-rcv/NAME to this HTTP server on the unix socket SOCKET.

Every POST to /tlsrpt-rcv/NAME is kept as DIR/NAME.SEQ.body and logged as
one line "NAME SEQ STATUS CONTENT-TYPE FILE" in DIR/log (written before the
answer, so a test can act while the answer is still pending). What it
answers is read from DIR/NAME.mode at each request:
  ok (or no file)  200
  fail             500, always
  fail N           500 for the first N requests of NAME, then 200
  hang             no answer for an hour (logged as status "hang")
"""
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

SOCK, DIR = sys.argv[1], sys.argv[2]
LOCK = threading.Lock()
SEQ = {}


def mode_of(name):
    try:
        with open(os.path.join(DIR, name + ".mode")) as f:
            return f.read().split()
    except FileNotFoundError:
        return ["ok"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, text):
        body = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        name = self.path.rsplit("/", 1)[-1]
        if not self.path.startswith("/tlsrpt-rcv/") or not name.isalnum():
            self.answer(404, "no such receiver")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with LOCK:
            seq = SEQ[name] = SEQ.get(name, 0) + 1
            mode = mode_of(name)
            if mode[0] == "fail" and (len(mode) == 1 or seq <= int(mode[1])):
                code = 500
            elif mode[0] == "hang":
                code = "hang"
            else:
                code = 200
            path = os.path.join(DIR, "%s.%d.body" % (name, seq))
            with open(path, "wb") as f:
                f.write(body)
            with open(os.path.join(DIR, "log"), "a") as f:
                f.write("%s %d %s %s %s\n" % (
                    name, seq, code,
                    self.headers.get("Content-Type", "-"), path))
        if code == "hang":
            time.sleep(3600)
            return
        self.answer(code, "ok" if code == 200 else "failing on purpose")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCK):
    os.unlink(SOCK)
srv = Server(SOCK, Handler)
os.chmod(SOCK, 0o666)
srv.serve_forever()
