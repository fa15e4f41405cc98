#!/usr/bin/python3
"""summary.py RESULTS_DIR - the soak's figures (tests/soak/run.sh,
docs/SOAK.md) from events.log (load.py), rss.log, recover.log, pids.log
and store.txt. Prints them; exit status 1 when an acknowledged TLSRPT
result was lost or a request of the MTAs' own users was refused, cut off
or timed out while the daemon was up (any phase but "restart", and not in
the two seconds before a restart in pids.log: a request begun just before
the phase switched was cut off by the kill), else 0.
"""
import collections
import sys

FAULT_DOMAINS = {"servfail.test", "timeout.test", "stsservfail.test",
                 "ststimeout.test", "tlsaservfail.test", "tlsatimeout.test",
                 "bogus.test", "badtlsa.test", "slow.test", "404.test",
                 "wrongcert.test", "expired.test", "big.test",
                 "redirect.test"}  # load.py's FAULT
ANSWERED = {"ok", "notfound", "temp", "perm", "error", "acked", "unacked"}
FAILED = {"refused", "eof", "timeout"}


def pct(v):
    if not v:
        return "-"
    return "%.0f / %.0f / %.0f" % (v[len(v) // 2], v[min(len(v) - 1, len(v) * 99 // 100)], v[-1])


def main(res):
    ev = []
    with open(res + "/events.log") as f:
        for line in f:
            # time phase door uid outcome ms domain detail
            p = line.rstrip("\n").split(" ", 7)
            if len(p) >= 7:
                ev.append((float(p[0]), p[1], p[2], p[3], p[4],
                           p[7] if len(p) > 7 else "", float(p[5]), p[6]))
    out = []
    if not ev:
        print("no events")
        return 1
    span = ev[-1][0] - ev[0][0]
    out.append("duration of the load: %.1f min, %d events" % (span / 60, len(ev)))

    by = collections.Counter((e[2].split(":")[0], e[4]) for e in ev)
    doors = sorted({e[2] for e in ev})
    out.append("")
    out.append("per front door (outcome: count):")
    for d in doors:
        c = collections.Counter(e[4] for e in ev if e[2] == d)
        out.append("  %-40s %s" % (d, " ".join("%s=%d" % kv for kv in sorted(c.items()))))
    answered = sum(1 for e in ev if e[4] in ANSWERED and not e[2].startswith("result:"))
    lookups_ok = sum(1 for e in ev if e[4] in ("ok", "notfound")
                     and not e[2].startswith("result:"))
    out.append("")
    out.append("lookups answered: %d (ok or notfound: %d)" % (answered, lookups_ok))
    kinds = collections.Counter()
    for e in ev:
        if e[4] in ("temp", "perm", "error", "unacked"):
            why = e[5].split(":")[0][:60] if e[5] else "-"
            kinds["%s (%s)" % (e[4], why)] += 1
        elif e[4] in FAILED:
            kinds["%s in phase %s" % (e[4], e[1])] += 1
    out.append("errors by kind:")
    for k, n in kinds.most_common(25):
        out.append("  %6d  %s" % (n, k))

    # a request that began before run.sh switched the phase to "restart"
    # and was cut off by the kill -9 carries the earlier phase: the daemon's
    # (re)starts (pids.log; the kill is just before) count it as the kill's
    starts = []
    try:
        with open(res + "/pids.log") as f:
            starts = [float(l.split()[0]) for l in f if l.strip()][1:]
    except OSError:
        pass

    def at_kill(t):
        return any(s - 2.0 <= t <= s + 1.0 for s in starts)

    mta_refused = [e for e in ev if e[4] in FAILED and e[1] != "restart"
                   and not at_kill(e[0])]
    cut_by_kill = [e for e in ev if e[4] in FAILED and e[1] != "restart"
                   and at_kill(e[0])]
    flood_refused = [e for e in mta_refused if e[1] in ("fdflood", "idleflood")]
    out.append("")
    out.append("requests of the MTAs' users refused/cut off/timed out while the "
               "daemon was up: %d (during floods by other users: %d)"
               % (len(mta_refused), len(flood_refused)))
    for e in mta_refused[:10]:
        out.append("    %.3f %s %s uid %s %s %s" % e[:6])
    out.append("requests in flight when mxtlsd was killed -9 (begun in the "
               "phase before \"restart\"): %d" % len(cut_by_kill))

    out.append("")
    out.append("per phase: seconds, lookups answered per second, and latency "
               "(ms, p50 / p99 / max) of the answering domains and of the "
               "faulty ones:")
    runs = []
    for e in ev:
        if not runs or runs[-1][0] != e[1]:
            runs.append([e[1], e[0], e[0]])
        runs[-1][2] = e[0]
    secs = collections.Counter()
    for ph, a, b in runs:
        secs[ph] += b - a
    for ph in [p for p in ("calm", "fdflood", "idleflood", "dnsfault",
                           "restart") if secs[p] > 0]:
        lk = [e for e in ev if e[1] == ph and e[4] in ANSWERED
              and not e[2].startswith("result:")]
        good = sorted(e[6] for e in lk if e[7] not in FAULT_DOMAINS)
        bad = sorted(e[6] for e in lk if e[7] in FAULT_DOMAINS)
        out.append("  %-10s %5.0f s %6.1f/s  good %s  faulty %s" % (
            ph, secs[ph], len(lk) / secs[ph], pct(good), pct(bad)))

    acked = sum(1 for e in ev if e[2].startswith("result:") and e[4] == "acked")
    sent = sum(1 for e in ev if e[2].startswith("result:") and e[4] == "sent")
    dsent = sum(1 for e in ev if e[2].startswith("dgram:") and e[4] == "sent")
    store = {}
    try:
        with open(res + "/store.txt") as f:
            for line in f:
                k, v = line.split()
                store[k] = int(v) if v.isdigit() else -1
    except (OSError, ValueError):
        pass
    stored = store.get("stored_results", -1)
    lost = acked - stored if stored >= 0 else acked
    out.append("")
    out.append("TLSRPT results (IPC): sent %d, acknowledged %d, in the store %d, "
               "acknowledged but lost %d%s"
               % (sent, acked, stored, max(lost, 0),
                  "" if stored <= sent else " (MORE stored than sent!)"))
    out.append("TLSRPT datagrams: sent %d, in the store %d (fire-and-forget: "
               "no acknowledgement)" % (dsent, store.get("stored_datagrams", -1)))

    out.append("")
    out.append("recovery (every door answers again), ms after the flood's "
               "release / the kill:")
    rec = collections.defaultdict(list)
    try:
        with open(res + "/recover.log") as f:
            for line in f:
                k, v = line.split()
                rec[k].append(v)
    except OSError:
        pass
    for k, v in sorted(rec.items()):
        out.append("  %-10s %s" % (k, " ".join(v)))

    out.append("")
    out.append("RSS of mxtlsd (KiB) per run of the daemon: first sample after "
               "60 s, min, max, last, samples")
    rss = collections.OrderedDict()
    try:
        with open(res + "/rss.log") as f:
            for line in f:
                t, p, kb = line.split()
                rss.setdefault(p, []).append((int(t), int(kb)))
    except (OSError, ValueError):
        pass
    for p, s in rss.items():
        warm = [kb for t, kb in s if t - s[0][0] >= 60] or [s[-1][1]]
        out.append("  pid %-8s %6d %6d %6d %6d %4d" % (
            p, warm[0], min(kb for _, kb in s), max(kb for _, kb in s),
            s[-1][1], len(s)))
    print("\n".join(out))
    return 1 if (lost > 0 or stored < 0 or mta_refused) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
