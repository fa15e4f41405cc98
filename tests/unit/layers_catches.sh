#!/bin/sh
# layers_catches.sh SRC - tests/unit/layers.py finds what it is for: a copy
# of the tree with one include that reaches up a floor (util/ -> daemon/),
# one circle (dns/dns.h <-> dns/dns_status) and the daemon's main reaching
# mxtlsctl's commands (cached/ctl/) must each be reported.
set -eu
SRC=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp -r "$SRC/cached" "$SRC/common" "$SRC/modules" "$T"/
printf '#include "daemon/reload.h"\n' >>"$T/cached/util/clock.c"
printf '#include "dns/dns_up.h"\n' >>"$T/cached/dns/dns.h"
printf '#include "dns/dns.h"\n' >"$T/cached/dns/dns_up.h"
printf '#include "ctl/ctl.h"\n' >>"$T/cached/mxtlsd.c"
printf '#include "ctl/ctl.h"\n' >>"$T/cached/daemon/reload.c"
out=$(python3 "$SRC/tests/unit/layers.py" "$T") && {
	echo "layers.py passed a broken tree"
	exit 1
}
echo "$out"
echo "$out" | grep -q 'clock.c: #include "daemon/reload.h": util/ (floor 1) reaches daemon/ (floor 7)'
echo "$out" | grep -q 'include circle: cached/dns/dns <-> cached/dns/dns_up'
echo "$out" | grep -q 'mxtlsd.c: #include "ctl/ctl.h": only mxtlsctl.c includes ctl/'
echo "$out" | grep -q 'reload.c: #include "ctl/ctl.h": daemon/ (floor 7) reaches ctl/ (floor 8)'
