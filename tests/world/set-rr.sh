#!/bin/bash
# set-rr.sh WORLD_DIR OWNER TYPE TTL RDATA...  replace the OWNER TYPE RRset
# set-rr.sh WORLD_DIR OWNER TYPE --delete       remove the OWNER TYPE RRset
#
# Changes the running world: replaces every TYPE record owned by OWNER (an
# absolute name without the trailing dot, e.g. wildbad.test) with the records
# given (each RDATA argument is one record's data, e.g. "10 mx2.wildbad.test."),
# bumps the SOA serial, re-signs the zone with its existing key, makes NSD
# load it and waits until NSD serves the new RRset (10 s). A resolver may keep
# the old answer for the old TTL.
set -euo pipefail
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

usage() { die "usage: $0 WORLD_DIR OWNER TYPE (TTL RDATA... | --delete)"; }
[ $# -ge 4 ] || usage
W=$(world_abs "$1")
owner=${2%.}
owner=${owner,,}
type=${3^^}
shift 3
[ -f "$W/.mxtls-world" ] || die "$W is not a test world"
[[ $type =~ ^[A-Z0-9]+$ ]] || usage
ttl=
if [ "$1" != --delete ]; then
	ttl=$1
	shift
	[[ $ttl =~ ^[0-9]+$ ]] && [ $# -ge 1 ] || usage
fi

zone=$(zone_of "$W" "$owner") || die "$owner is not in the test world"
case "$zone" in
bogus.test | badtlsa.test) die "$zone must stay tampered; not re-signing it" ;;
esac
zf="$W/dns/zones/$zone.zone"
owner_re=$(printf '%s.' "$owner" | sed 's/[.]/\\./g')

exec 9>"$W/dns/lock"
flock -w 30 9 || die "could not lock $W/dns/lock"

sed -i -E "/^${owner_re}[[:space:]]+([0-9]+[[:space:]]+)?IN[[:space:]]+${type}[[:space:]]/d" "$zf"
want=
for rdata in "$@"; do
	printf '%s. %s IN %s %s\n' "$owner" "$ttl" "$type" "$rdata" >>"$zf"
	want=$(printf '%s\n%s' "$want" "$rdata")
done
want=$(printf '%s\n' "$want" | sed '/^$/d' | sort)
bump_serial "$zf"
if [ "$zone" != insecure.test ]; then
	sign_zone "$W" "$zone"
fi
nsd_reload "$W" "$zone"

for _ in $(seq 100); do
	got=$(dig_world +short "$type" "$owner." 2>/dev/null | sort || true)
	[ "$got" = "$want" ] && exit 0
	sleep 0.1
done
die "NSD does not serve the new $type RRset of $owner after 10 s (see $W/log/nsd.log)"
