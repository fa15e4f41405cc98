#!/usr/bin/python3
"""load.py - the soak's mixed load on mxtlsd's front doors (tests/soak/run.sh,
docs/SOAK.md). Run as the MTA's own user; one thread per door, each keeping
one connection open as an MTA does (reconnecting after a failure), until
the STOP file exists.

  load.py OUT PHASE_FILE STOP_FILE DOOR...

DOOR is one of
  sm:unix:PATH | sm:inet:HOST:PORT   Postfix socketmap lookups ("mxtls D")
  sp:PATH                            IPC "policy" requests over SP (nng REQ,
                                     ipc.listen or ipc.direct)
  result:PATH                        IPC "result" requests (RFC 8460 §4.3),
                                     domain enforce.test, over SP
  dgram:PATH                         TLSRPT datagrams (libtlsrpt format),
                                     domain dane.test, no-policy-found
  new+sm:... | new+sp:...            the same on a new connection for every
                                     request (an Exim delivery process, a
                                     Postfix smtp process starting), one
                                     every 0.2 s: what a flood's refusals
                                     would hit

Every answer (or failure) is one line of OUT, flushed:
  <unix time> <phase> <door> <uid> <outcome> <ms> <domain> <detail>
(<ms>: from the request to its answer; <domain>: "-" when none).
outcome: ok notfound temp perm error (the daemon's answers), acked unacked
(results: "recorded":true or not), sent (datagrams), and the failures
refused (connect refused / no such socket), eof (closed without a reply),
timeout (no reply within 30 s). <phase> is PHASE_FILE's content when the
request started (run.sh writes calm, fdflood, idleflood, dnsfault,
restart...). The domain mix: the world's answering domains; while the phase
is dnsfault also its dead DNS zones (SERVFAIL, timeouts), the bogus zone and
the stalling and failing policy hosts (tests/world/README.md), with a
"flush" of those domains now and then so that each is asked upstream
again.
"""
import json
import os
import random
import socket
import struct
import sys
import threading
import time

GOOD = ["enforce.test", "testing.test", "none.test", "dane.test",
        "danests.test", "danemixed.test", "stsmix.test", "implicit.test",
        "nullmx.test", "notxt.test", "nope.test", "cnamemx.test",
        "insecure.test", "wild.test", "daneself.test"]
FAULT = ["servfail.test", "timeout.test", "stsservfail.test",
         "ststimeout.test", "tlsaservfail.test", "tlsatimeout.test",
         "bogus.test", "badtlsa.test", "slow.test", "404.test",
         "wrongcert.test", "expired.test", "big.test", "redirect.test"]
REQ_HDR = b"\x00SP\x00\x00\x30\x00\x00"
REP_HDR = b"\x00SP\x00\x00\x31\x00\x00"

out_lock = threading.Lock()


class Failed(Exception):
    pass


def phase():
    try:
        with open(PHASE_FILE) as f:
            return f.read().strip() or "-"
    except OSError:
        return "-"


def log(ph, door, outcome, detail="", ms=0.0, dom="-"):
    line = "%.3f %s %s %d %s %.1f %s %s\n" % (
        time.time(), ph, door, os.getuid(), outcome, ms, dom,
        detail.replace("\n", " ")[:120])
    with out_lock:
        OUT.write(line)
        OUT.flush()


def pick():
    if phase() == "dnsfault" and random.random() < 0.5:
        return random.choice(FAULT)
    return random.choice(GOOD)


def sock_connect(addr):
    if addr.startswith("unix:") or addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = addr[5:] if addr.startswith("unix:") else addr
    else:
        host, port = addr[5:].rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    s.settimeout(30)
    try:
        s.connect(target)
    except (ConnectionRefusedError, FileNotFoundError) as e:
        s.close()
        raise Failed("refused " + type(e).__name__)
    except socket.timeout:
        s.close()
        raise Failed("timeout connect")
    except OSError as e:
        s.close()
        raise Failed("refused " + str(e))
    return s


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except socket.timeout:
            raise Failed("timeout")
        except OSError as e:
            raise Failed("eof " + type(e).__name__)
        if not chunk:
            raise Failed("eof")
        buf += chunk
    return buf


# ---------------------------------------------------------------- socketmap --
class Socketmap:
    def __init__(self, addr):
        self.addr, self.s, self.buf = addr, None, b""

    def ask(self, key):
        if self.s is None:
            self.s, self.buf = sock_connect(self.addr), b""
        p = ("mxtls " + key).encode()
        try:
            self.s.sendall(b"%d:%s," % (len(p), p))
        except OSError as e:
            raise Failed("eof send " + type(e).__name__)
        while True:
            if b":" in self.buf:
                n, rest = self.buf.split(b":", 1)
                n = int(n)
                if len(rest) >= n + 1:
                    self.buf = rest[n + 1:]
                    return rest[:n].decode("utf-8", "replace")
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                raise Failed("timeout")
            except OSError as e:
                raise Failed("eof " + type(e).__name__)
            if not chunk:
                raise Failed("eof")
            self.buf += chunk

    def close(self):
        if self.s is not None:
            self.s.close()
        self.s = None


def sm_outcome(r):
    w = r.split(" ", 1)[0]
    return {"OK": "ok", "NOTFOUND": "notfound", "TEMP": "temp",
            "PERM": "perm"}.get(w, "error"), r


# ----------------------------------------------------------------------- SP --
class SP:
    def __init__(self, path):
        self.path, self.s, self.id = path, None, 0x80000000

    def ask(self, obj):
        hello = self.s is None
        if hello:
            self.s = sock_connect(self.path)
        self.id = 0x80000000 | ((self.id + 1) & 0x7fffffff)
        body = struct.pack(">I", self.id) + json.dumps(obj).encode()
        data = (REQ_HDR if hello else b"") + b"\x01" + \
            struct.pack(">Q", len(body)) + body
        try:
            self.s.sendall(data)
        except OSError as e:
            raise Failed("eof send " + type(e).__name__)
        if hello and read_exact(self.s, 8) != REP_HDR:
            raise Failed("error bad SP header")
        while True:
            h = read_exact(self.s, 9)
            m = read_exact(self.s, struct.unpack(">Q", h[1:])[0])
            if struct.unpack(">I", m[:4])[0] == self.id:
                return json.loads(m[4:].decode())

    def close(self):
        if self.s is not None:
            self.s.close()
        self.s = None


def sp_outcome(j):
    st = j.get("status", "?")
    return {"ok": "ok", "tempfail": "temp", "error": "error"}.get(st, "error"), \
        j.get("why", st)


# -------------------------------------------------------------------- doors --
def run_door(door):
    kind, addr = door.split(":", 1)
    fresh = kind.startswith("new+")
    if fresh:
        kind = kind[4:]
    if kind == "sm":
        conn = Socketmap(addr)
    elif kind in ("sp", "result"):
        conn = SP(addr)
    else:
        conn = None
    n = 0
    while not os.path.exists(STOP_FILE):
        ph = phase()
        n += 1
        dom = "-"
        t0 = time.time()
        try:
            if kind == "sm":
                dom = pick()
                o, d = sm_outcome(conn.ask(dom))
            elif kind == "sp":
                if ph == "dnsfault" and n % 50 == 0:
                    conn.ask({"v": 1, "op": "flush",
                              "domain": random.choice(FAULT)})
                dom = pick()
                t0 = time.time()
                o, d = sp_outcome(conn.ask({"v": 1, "op": "policy",
                                            "domain": dom}))
            elif kind == "result":
                fail = n % 4 == 0
                req = {"v": 1, "op": "result", "domain": "enforce.test",
                       "mx_host": "mx1.enforce.test", "mta": "exim",
                       "sending_ip": "192.0.2.9",
                       "result": "certificate-expired" if fail else "success"}
                if fail:
                    req["receiving_ip"] = "127.0.0.2"
                    req["failure_reason"] = "soak"
                dom = "enforce.test"
                log(ph, door, "sent", req["result"], 0.0, dom)
                t0 = time.time()
                j = conn.ask(req)
                if j.get("status") == "ok" and j.get("recorded") is True:
                    o, d = "acked", req["result"]
                else:
                    o, d = "unacked", j.get("why", j.get("status", "?"))
            else:  # dgram
                dom = "dane.test"
                dg = {"dpv": "1", "d": "dane.test",
                      "pr": "v=TLSRPTv1; rua=mailto:reports@dane.test",
                      "policies": [{"policy-type": 9, "t": 1, "f": 0}]}
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    s.sendto(json.dumps(dg).encode(), addr)
                    o, d = "sent", ""
                except OSError as e:
                    o, d = "refused", type(e).__name__
                finally:
                    s.close()
                time.sleep(0.05)
        except Failed as e:
            o, d = str(e).split(" ", 1)[0], str(e)
            if conn is not None:
                conn.close()
            time.sleep(0.2)
        except (ValueError, KeyError) as e:
            o, d = "error", "bad reply: %s" % e
            if conn is not None:
                conn.close()
        log(ph, door, o, d, (time.time() - t0) * 1000, dom)
        if fresh:
            conn.close()
            time.sleep(0.2)
        # an MTA's pace, not a benchmark: the machine is shared
        time.sleep(0.02)
    if conn is not None:
        conn.close()


def main():
    global OUT, PHASE_FILE, STOP_FILE
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    OUT = open(sys.argv[1], "a")
    PHASE_FILE, STOP_FILE = sys.argv[2], sys.argv[3]
    ts = [threading.Thread(target=run_door, args=(d,), daemon=True)
          for d in sys.argv[4:]]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
