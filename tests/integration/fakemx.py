#!/usr/bin/env python3
"""fakemx.py - a minimal SMTP server for the OpenSMTPD integration test.

Listens on every ADDR:PORT given with --listen, offers STARTTLS with the
world's MX certificate (--cert/--key) unless --no-starttls, accepts any
mail and writes one file per message into --dir: the first lines say
"addr=... tls=yes|no sni=... rcpt=..." and the message follows. Standard
library only (no aiosmtpd on Debian 12 by default).
"""
import argparse
import os
import socket
import socketserver
import ssl
import threading
import time

args = None
counter = 0
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        local = "%s:%d" % self.request.getsockname()[:2]
        tls, sni, mail, rcpts = False, "", "", []
        self.send("220 %s ESMTP fakemx" % args.name)
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            cmd = raw.decode(errors="replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    self.send("250 %s" % args.name)
                    continue
                self.send("250-%s" % args.name)
                if not tls and not args.no_starttls:
                    self.send("250-STARTTLS")
                self.send("250 8BITMIME")
            elif verb == "STARTTLS" and not tls and not args.no_starttls:
                self.send("220 go ahead")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(args.cert, args.key)
                names = []
                ctx.sni_callback = lambda s, n, c: names.append(n or "")
                conn = ctx.wrap_socket(self.request, server_side=True)
                self.request = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                tls, sni = True, (names[0] if names else "")
            elif verb == "MAIL":
                mail, rcpts = cmd, []
                self.send("250 ok")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[-1].strip())
                self.send("250 ok")
            elif verb == "DATA":
                self.send("354 go")
                body = []
                while True:
                    l = self.rfile.readline(65536)
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    body.append(l.decode(errors="replace"))
                global counter
                with lock:
                    counter += 1
                    n = counter
                path = os.path.join(args.dir, "%d-%d.msg" % (time.time(), n))
                with open(path + ".tmp", "w") as f:
                    f.write("addr=%s tls=%s sni=%s rcpt=%s\n%s\n\n%s" % (
                        local, "yes" if tls else "no", sni,
                        ",".join(rcpts), mail, "".join(body)))
                os.rename(path + ".tmp", path)
                self.send("250 queued as %d" % n)
            elif verb == "RSET" or verb == "NOOP":
                self.send("250 ok")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--listen", action="append", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--name", default="fakemx.test")
    p.add_argument("--no-starttls", action="store_true")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    servers = []
    for l in args.listen:
        host, port = l.rsplit(":", 1)
        s = Server((host, int(port)), Handler)
        servers.append(s)
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("fakemx listening on %s" % " ".join(args.listen), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
