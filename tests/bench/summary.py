#!/usr/bin/python3
"""summary.py RESULTS - the summary table of tests/bench/run.sh: every
measured row, ratios to the floors of the same run and to the peer, and the
issue-8 targets met or missed. RESULTS holds key=value lines (a key given
twice: the last wins)."""
import sys

r = {}
for line in open(sys.argv[1]):
    if "=" in line:
        k, v = line.rstrip("\n").split("=", 1)
        r[k] = v


def f(k):
    try:
        return float(r[k])
    except (KeyError, ValueError):
        return None


def fmt(x, nd=0):
    return "-" if x is None else ("%.*f" % (nd, x))


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


for k in ("date", "machine", "kernel", "git", "params", "load_before", "load_after", "peer.version"):
    if k in r:
        print("%-12s %s" % (k, r[k]))
print()
print("%-22s %9s %9s %9s %9s %12s %10s" % ("cached lookups", "qps", "p50 us", "p99 us", "p999 us", "srv CPU/1k", "cli CPU/1k"))
rows = []
for who in ("mxtlsd", "peer"):
    for what, label in (("floor_sock", "bare ping-pong"), ("floor_nng", "bare nng echo"),
                        ("sm", "socketmap unix"), ("sminet", "socketmap inet"),
                        ("nng", "nng ipc"), ("sp", "SP client (Exim)"),
                        ("spnng", "SP client, nng sock")):
        for c in (1, 8, 64):
            p = "%s.%s.c%d" % (who, what, c)
            if f(p + ".qps") is None:
                continue
            n = f(p + ".qps") * f(p + ".wall_s") if f(p + ".wall_s") else None
            srv = f(p + ".server_cpu_s")
            cli = f(p + ".client_cpu_s")
            name = "peer socketmap inet" if (who, what) == ("peer", "sm") else label
            if who == "peer" and what.startswith("floor"):
                name += " (peer run)"
            print("%-22s %9s %9s %9s %9s %12s %10s" % (
                "%s c=%d" % (name, c), fmt(f(p + ".qps")), fmt(f(p + ".p50_us"), 1),
                fmt(f(p + ".p99_us"), 1), fmt(f(p + ".p999_us"), 1),
                fmt(srv / n * 1000 if srv is not None and n else None, 3),
                fmt(cli / n * 1000 if cli is not None and n else None, 3)))
print()
print("%-22s %10s %9s %9s %10s %10s %8s" % ("cold lookups", "total s", "qps", "p50 ms", "peak HTTPS", "srv CPU s", "not OK"))
for who in ("mxtlsd", "peer"):
    p = who + ".cold"
    if f(p + ".wall_s") is None:
        continue
    print("%-22s %10s %9s %9s %10s %10s %8s" % (
        who, fmt(f(p + ".wall_s"), 2), fmt(f(p + ".qps")), fmt((f(p + ".p50_us") or 0) / 1000, 1),
        r.get(p + ".peak_https", "-"), fmt(f(p + ".server_cpu_s"), 2), r.get(p + ".not_ok", "-")))
if f("cold_floor.wall_s") is not None:
    print("%-22s %10s %9s %9s %10s %10s %8s" % (
        "bare fetches (curl)", fmt(f("cold_floor.wall_s"), 2), "-", "-", "-",
        fmt(f("cold_floor.client_cpu_s"), 2), r.get("cold_floor.not_ok", "-")))
print()
print("%-22s %10s %10s %10s %12s %10s" % ("memory (RSS KiB)", "idle", "warm", "mem", "B/domain", "idle PSS"))
params = dict(kv.split("=") for kv in r.get("params", "").split() if "=" in kv)
warm_n, cold_n, mem_n = (int(params.get(k, 0)) for k in ("WARM_N", "COLD_N", "MEM_N"))
bpd = {}
for who in ("mxtlsd", "peer"):
    i, w, m = f(who + ".rss_kb.0"), f(who + ".rss_kb.warm"), f(who + ".rss_kb.mem")
    if i is None:
        continue
    if m is not None:
        bpd[who] = (m - i) * 1024 / (mem_n + cold_n)
    elif w is not None:
        bpd[who] = (w - i) * 1024 / (warm_n + cold_n)
    print("%-22s %10s %10s %10s %12s %10s" % (who, fmt(i), fmt(w), fmt(m), fmt(bpd.get(who)),
                                              fmt(f(who + ".pss_kb.0"))))
    t = f(who + ".rss_kb.mem_trimmed")
    if t is not None:
        print("%-22s %10s %10s %10s %12s %10s" % (who + " (11 s later)", "", "", fmt(t),
                                                  fmt((t - i) * 1024 / (mem_n + cold_n)), ""))
    h = f(who + ".rss_kb.mem_hot")
    if h is not None:
        print("%-22s %10s %10s %10s %12s %10s" % (who + " (asked twice)", "", "", fmt(h),
                                                  fmt((h - i) * 1024 / (mem_n + cold_n)), ""))
print()


def target(name, value, goal, higher=True, unit="x"):
    if value is None:
        print("  %-52s not measured" % name)
        return
    ok = value >= goal if higher else value <= goal
    print("  %-52s %8.2f%s (target %s %.2f%s) %s" % (name, value, unit, ">=" if higher else "<=", goal, unit,
                                                      "MET" if ok else "MISSED"))


print("targets (issue 8):")
target("socketmap c=64 qps / bare ping-pong c=64", ratio(f("mxtlsd.sm.c64.qps"), f("mxtlsd.floor_sock.c64.qps")), 0.9)
target("socketmap c=1 p50 / bare ping-pong c=1 p50", ratio(f("mxtlsd.sm.c1.p50_us"), f("mxtlsd.floor_sock.c1.p50_us")), 1.3, False)
for c in (1, 8, 64):
    target("nng c=%d p50 / bare nng echo p50" % c, ratio(f("mxtlsd.nng.c%d.p50_us" % c), f("mxtlsd.floor_nng.c%d.p50_us" % c)), 1.3, False)
target("SP client c=1 p50 / bare ping-pong c=1 p50", ratio(f("mxtlsd.sp.c1.p50_us"), f("mxtlsd.floor_sock.c1.p50_us")), 1.3, False)
target("cold: peer time / mxtlsd time", ratio(f("peer.cold.wall_s"), f("mxtlsd.cold.wall_s")), 5)
c = ratio(f("mxtlsd.cold.wall_s"), f("cold_floor.wall_s"))
if c is not None:
    print("  %-52s %8.2fx (no target: the floor cold lookups stand on)" % ("cold: mxtlsd time / bare fetches (curl) time", c))
target("bytes per cached domain (mxtlsd)", bpd.get("mxtlsd"), 512, False, " B")
target("idle RSS mxtlsd / peer", ratio(f("mxtlsd.rss_kb.0"), f("peer.rss_kb.0")), 0.2, False)
target("Exim deliveries/s with mxtls / without (plain)", ratio(f("exim.mxtls.dps"), f("exim.plain.dps")), 0.95)
target("Exim deliveries/s with mxtls / without (verified TLS)", ratio(f("exim.mxtls.dps"), f("exim.verify.dps")), 0.95)
print("other ratios:")
for c in (1, 8, 64):
    q = ratio(f("mxtlsd.sm.c%d.qps" % c), f("peer.sm.c%d.qps" % c))
    l = ratio(f("peer.sm.c%d.p50_us" % c), f("mxtlsd.sm.c%d.p50_us" % c))
    print("  socketmap c=%-2d mxtlsd/peer qps %s, peer/mxtlsd p50 %s" % (c, fmt(q, 1), fmt(l, 1)))
    for what in ("sm", "nng", "sp"):
        fl = "floor_nng" if what == "nng" else "floor_sock"
        print("    %-4s c=%-2d qps / floor qps %s, p50 / floor p50 %s" % (
            what, c, fmt(ratio(f("mxtlsd.%s.c%d.qps" % (what, c)), f("mxtlsd.%s.c%d.qps" % (fl, c))), 2),
            fmt(ratio(f("mxtlsd.%s.c%d.p50_us" % (what, c)), f("mxtlsd.%s.c%d.p50_us" % (fl, c))), 2)))
print()
print("%-22s %10s %10s %10s %12s" % ("exim end to end", "delivered", "wall s", "per s", "exim CPU s"))
for v in ("plain", "verify", "mxtls", "mxtls_noevents"):
    p = "exim." + v
    if f(p + ".dps") is None:
        continue
    print("%-22s %10s %10s %10s %12s" % (v, r.get(p + ".delivered", "-"), fmt(f(p + ".wall_s"), 2),
                                         fmt(f(p + ".dps"), 1), fmt(f(p + ".exim_cpu_s"), 2)))
if f("exim.mxtls.mxtlsd_cpu_s") is not None:
    print("  mxtlsd CPU during the mxtls run: %s s (%s results counted, %s without a TLSRPT record)" % (
        fmt(f("exim.mxtls.mxtlsd_cpu_s"), 2), r.get("exim.mxtls.tlsrpt_results", "-"),
        r.get("exim.mxtls.tlsrpt_results_unreported", "-")))
