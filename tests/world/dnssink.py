#!/usr/bin/env python3
"""dnssink.py ADDR PORT WORLD_DIR - a name server that never answers.

Binds UDP and TCP on ADDR:PORT, reads every query (UDP datagrams, TCP
connections) and throws it away, so a resolver asking it runs into its
timeout. The test world (tests/world/up.sh) starts it for the "timeout"
delegations of test.zone.in; WORLD_DIR is only on the command line so that
down.sh can tell this process by it. Runs until SIGTERM.
"""
import selectors
import socket
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: dnssink.py ADDR PORT WORLD_DIR")
    addr, port = sys.argv[1], int(sys.argv[2])
    sel = selectors.DefaultSelector()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(64)
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "listen")
    print(f"dnssink: dropping every query to {addr}:{port}", flush=True)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if key.data == "udp":
                sock.recvfrom(65535)
            elif key.data == "listen":
                conn, _ = sock.accept()
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ, "conn")
            else:
                try:
                    data = sock.recv(65535)
                except OSError:
                    data = b""
                if not data:  # the resolver gave up: let go of it
                    sel.unregister(sock)
                    sock.close()


if __name__ == "__main__":
    main()
