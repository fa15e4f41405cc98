#!/usr/bin/env python3
"""tlsrpt_check.py - read what the TLSRPT tests received and check it
against RFC 8460 to the letter.

  tlsrpt_check.py report FILE   FILE: a report (gzip or plain JSON)
  tlsrpt_check.py mail FILE     FILE: one delivered message (maildir file)

Prints one JSON object: {"problems": [...], "report": {...}, ...}; for a
mail also its MIME structure and headers. "problems" lists every deviation
from RFC 8460 §4.4 (report) and §5.3 (mail) found; [] when none. An sts
or tlsa policy needs a non-empty policy-string, an sts policy also its
mx-host patterns (§4.4: the policy applied, and for sts "the pattern of
MX hostnames from the applied policy").
"""
import calendar
import email
import gzip
import json
import re
import sys
from email import policy

RTYPES = {"starttls-not-supported", "certificate-host-mismatch",
          "certificate-expired", "certificate-not-trusted",
          "validation-failure", "tlsa-invalid", "dnssec-invalid",
          "dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
          "sts-webpki-invalid"}
DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")


def epoch(s):
    m = DT.match(s)
    return calendar.timegm(tuple(int(x) for x in m.groups())) if m else None


def keys(obj, where, required, optional, problems):
    if not isinstance(obj, dict):
        problems.append("%s: not an object" % where)
        return False
    for k in required:
        if k not in obj:
            problems.append("%s: no %s" % (where, k))
    for k in obj:
        if k not in required and k not in optional:
            problems.append("%s: unknown member %s" % (where, k))
    return True


def count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def check_report(r):
    p = []
    if not keys(r, "report", ["organization-name", "date-range",
                              "contact-info", "report-id", "policies"],
                [], p):
        return p
    for k in ("organization-name", "contact-info", "report-id"):
        if not isinstance(r.get(k), str) or not r.get(k):
            p.append("report: %s not a non-empty string" % k)
    dr = r.get("date-range")
    if keys(dr, "date-range", ["start-datetime", "end-datetime"], [], p):
        b, e = epoch(dr.get("start-datetime", "")), epoch(dr.get("end-datetime", ""))
        if b is None or e is None:
            p.append("date-range: not RFC 3339 UTC date-times")
        elif b % 86400 != 0 or e != b + 86399:
            p.append("date-range: not one whole UTC day")
    pols = r.get("policies")
    if not isinstance(pols, list) or not pols:
        p.append("policies: not a non-empty array")
        return p
    for i, x in enumerate(pols):
        w = "policies[%d]" % i
        if not keys(x, w, ["policy", "summary"], ["failure-details"], p):
            continue
        pol = x["policy"]
        if keys(pol, w + ".policy", ["policy-type", "policy-domain"],
                ["policy-string", "mx-host"], p):
            t = pol.get("policy-type")
            if t not in ("sts", "tlsa", "no-policy-found"):
                p.append("%s: policy-type %r" % (w, t))
            if t in ("sts", "tlsa") and not (
                    isinstance(pol.get("policy-string"), list)
                    and pol["policy-string"]
                    and all(isinstance(s, str) for s in pol["policy-string"])):
                p.append("%s: policy-string not an array of strings" % w)
            if t == "sts" and not (
                    isinstance(pol.get("mx-host"), list) and pol["mx-host"]):
                p.append("%s: sts policy without mx-host patterns" % w)
            if t == "no-policy-found" and ("policy-string" in pol or "mx-host" in pol):
                p.append("%s: no-policy-found with a policy-string/mx-host" % w)
            if "mx-host" in pol and not (isinstance(pol["mx-host"], list) and all(
                    isinstance(s, str) for s in pol["mx-host"])):
                p.append("%s: mx-host not an array of strings" % w)
            if not isinstance(pol.get("policy-domain"), str) or not pol.get("policy-domain"):
                p.append("%s: policy-domain empty" % w)
        s = x["summary"]
        if keys(s, w + ".summary", ["total-successful-session-count",
                                    "total-failure-session-count"], [], p):
            if not all(count(v) for v in s.values()):
                p.append("%s: summary counts not non-negative integers" % w)
        fd = x.get("failure-details", [])
        if not isinstance(fd, list):
            p.append("%s: failure-details not an array" % w)
            continue
        total = 0
        for j, d in enumerate(fd):
            dw = "%s.failure-details[%d]" % (w, j)
            if not keys(d, dw, ["result-type", "failed-session-count"],
                        ["sending-mta-ip", "receiving-mx-hostname",
                         "receiving-mx-helo", "receiving-ip",
                         "additional-information", "failure-reason-code"], p):
                continue
            if d.get("result-type") not in RTYPES:
                p.append("%s: result-type %r" % (dw, d.get("result-type")))
            if not count(d.get("failed-session-count")) or d["failed-session-count"] == 0:
                p.append("%s: failed-session-count" % dw)
            else:
                total += d["failed-session-count"]
        if isinstance(s, dict) and count(s.get("total-failure-session-count")) \
                and total > s["total-failure-session-count"]:
            p.append("%s: details count more failures than the summary" % w)
    return p


def load_report(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)


def check_mail(path):
    m = email.message_from_binary_file(open(path, "rb"), policy=policy.default)
    out = {"problems": []}
    p = out["problems"]
    parts = list(m.iter_parts()) if m.is_multipart() else []
    out.update({
        "ctype": m.get_content_type(),
        "rtype": m.get_param("report-type"),
        "parts": [x.get_content_type() for x in parts],
        "subject": str(m["Subject"]),
        "domain": str(m["TLS-Report-Domain"]),
        "submitter": str(m["TLS-Report-Submitter"]),
        "tlsrequired": str(m["TLS-Required"]),
        "to": str(m["To"]), "from": str(m["From"]),
        "envelope_to": str(m["Envelope-to"]),
        "return_path": str(m["Return-path"]),
    })
    att = [x for x in parts if x.get_content_type().startswith("application/tlsrpt")]
    if out["ctype"] != "multipart/report" or out["rtype"] != "tlsrpt":
        p.append("mail: not multipart/report; report-type=tlsrpt")
    if len(att) != 1:
        p.append("mail: %d report attachments" % len(att))
        return out
    a = att[0]
    out["disposition"] = a.get_content_disposition()
    out["filename"] = a.get_filename()
    try:
        data = a.get_payload(decode=True)
        out["gzip"] = data[:2] == b"\x1f\x8b"
        r = out["report"] = load_report(data)
    except Exception as e:  # noqa: BLE001 - any decoding error is a finding
        p.append("mail: attachment unreadable: %s" % e)
        return out
    p += check_report(r)
    fn = re.match(r"^([A-Za-z0-9.-]+)!([A-Za-z0-9.-]+)!(\d+)!(\d+)(!([A-Za-z0-9]+))?\.json(\.gz)?$",
                  out["filename"] or "")
    if not fn:
        p.append("mail: file name %r not RFC 8460 5.3" % out["filename"])
    else:
        dr = r.get("date-range", {})
        if fn.group(1) != out["submitter"] or fn.group(2) != out["domain"]:
            p.append("mail: file name sender/policy-domain differ from the headers")
        if int(fn.group(3)) != epoch(dr.get("start-datetime", "")) or \
                int(fn.group(4)) != epoch(dr.get("end-datetime", "")):
            p.append("mail: file name timestamps differ from the date-range")
        if (fn.group(7) is not None) != bool(out.get("gzip")) or \
                (a.get_content_type() == "application/tlsrpt+gzip") != bool(out.get("gzip")):
            p.append("mail: .gz / media type do not match the content")
    want = "Report Domain: %s Submitter: %s Report-ID: <%s>" % (
        out["domain"], out["submitter"], r.get("report-id"))
    if out["subject"] != want:
        p.append("mail: Subject %r, expected %r" % (out["subject"], want))
    pdoms = {x.get("policy", {}).get("policy-domain") for x in r.get("policies", [])}
    if pdoms != {out["domain"]}:
        p.append("mail: TLS-Report-Domain %s, policy domains %s" % (out["domain"], sorted(pdoms)))
    if out["from"].rsplit("@", 1)[-1].rstrip(">").lower() != out["submitter"].lower():
        p.append("mail: From %s not in the TLS-Report-Submitter domain" % out["from"])
    if out["tlsrequired"] != "No":
        p.append("mail: TLS-Required is %r" % out["tlsrequired"])
    return out


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("report", "mail"):
        sys.exit("usage: tlsrpt_check.py report|mail FILE")
    if sys.argv[1] == "mail":
        out = check_mail(sys.argv[2])
    else:
        with open(sys.argv[2], "rb") as f:
            data = f.read()
        out = {"gzip": data[:2] == b"\x1f\x8b"}
        try:
            out["report"] = load_report(data)
            out["problems"] = check_report(out["report"])
        except Exception as e:  # noqa: BLE001
            out["problems"] = ["report unreadable: %s" % e]
    print(json.dumps(out))


main()
