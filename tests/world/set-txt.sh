#!/bin/bash
# set-txt.sh WORLD_DIR DOMAIN ID        _mta-sts.DOMAIN TXT "v=STSv1; id=ID;"
# set-txt.sh WORLD_DIR DOMAIN --raw TEXT  _mta-sts.DOMAIN TXT "TEXT" (any text)
# set-txt.sh WORLD_DIR DOMAIN --delete    no _mta-sts.DOMAIN record at all
#
# Changes the running world: replaces every record owned by _mta-sts.DOMAIN
# (TXT or CNAME) with one TXT record, keeping the old TTL (300 s for a new
# record; TXT_TTL=N in the environment overrides), bumps the SOA serial,
# re-signs the zone with its existing key (the trust anchor stays valid),
# makes NSD load it, and waits until NSD serves the new value (10 s).
# Remember that a resolver may keep the old answer for the old TTL; only
# idchange.test has a 1 s TTL.
set -euo pipefail
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

usage() { die "usage: $0 WORLD_DIR DOMAIN (ID | --raw TEXT | --delete)"; }
[ $# -ge 3 ] || usage
W=$(world_abs "$1")
domain=${2%.}
domain=${domain,,}
[ -f "$W/.mxtls-world" ] || die "$W is not a test world"
case "$3" in
--delete) text= ;;
--raw)
	[ $# -eq 4 ] || usage
	text=$4
	;;
-*) usage ;;
*)
	[ $# -eq 3 ] || usage
	text="v=STSv1; id=$3;"
	;;
esac

zone=$(zone_of "$W" "$domain") || die "$domain is not in the test world"
case "$zone" in
bogus.test | badtlsa.test) die "$zone must stay tampered; not re-signing it" ;;
esac
zf="$W/dns/zones/$zone.zone"
owner="_mta-sts.$domain."
owner_re=$(printf '%s' "$owner" | sed 's/[.]/\\./g')

exec 9>"$W/dns/lock"
flock -w 30 9 || die "could not lock $W/dns/lock"

ttl=$(awk -v o="$owner" '$1 == o && $2 ~ /^[0-9]+$/ { print $2; exit }' "$zf")
ttl=${TXT_TTL:-${ttl:-300}}
sed -i -E "/^${owner_re}[[:space:]]/d" "$zf"
if [ "$3" != --delete ]; then
	esc=$(printf '%s' "$text" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
	printf '%s %s IN TXT "%s"\n' "$owner" "$ttl" "$esc" >>"$zf"
fi
bump_serial "$zf"
if [ "$zone" != insecure.test ]; then
	sign_zone "$W" "$zone"
fi
nsd_reload "$W" "$zone"

# Wait until NSD serves it.
for _ in $(seq 100); do
	out=$(dig_world TXT "$owner" 2>/dev/null || true)
	if [ "$3" = --delete ]; then
		grep -q 'status: NXDOMAIN' <<<"$out" && exit 0
	else
		got=$(dig_world +short TXT "$owner" 2>/dev/null || true)
		[ "$got" = "\"$esc\"" ] && exit 0
	fi
	sleep 0.1
done
die "NSD does not serve the new _mta-sts.$domain after 10 s (see $W/log/nsd.log)"
