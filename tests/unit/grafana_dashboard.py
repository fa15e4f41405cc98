#!/usr/bin/python3
"""grafana_dashboard.py FILE - the Grafana dashboard (contrib/grafana) is
JSON with the DS_PROMETHEUS data source input, every panel uses it, and
every query names only mxtls_ metrics (and up) that the daemon's table
declares (cached/util/metrics.c). integration/test_metrics runs every
query against a real Prometheus."""
import json
import re
import sys

src = sys.argv[1]
d = json.load(open(src + "/contrib/grafana/mxtls-dashboard.json"))
table = open(src + "/cached/util/metrics.c").read()
declared = set(re.findall(r'"(mxtls_[a-z_]+)"', table))
bad = []
if [i["name"] for i in d.get("__inputs", [])] != ["DS_PROMETHEUS"]:
    bad.append("no DS_PROMETHEUS input")
exprs = []
for p in d["panels"]:
    if p["type"] == "row":
        continue
    if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
        bad.append("panel %r: not on ${DS_PROMETHEUS}" % p["title"])
    for t in p.get("targets", []):
        exprs.append(t["expr"])
if len(exprs) < 10:
    bad.append("only %d queries" % len(exprs))
for e in exprs:
    for m in re.findall(r"mxtls_[a-z_]+", e):
        base = re.sub(r"_(total|bucket|sum|count)$", "", m)
        if base not in declared and m not in declared:
            bad.append("%s: %s is no metric of cached/util/metrics.c" % (e, m))
for b in bad:
    print("grafana_dashboard: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
