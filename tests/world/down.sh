#!/bin/bash
# down.sh WORLD_DIR - stop the servers of the test world at WORLD_DIR by the
# PIDs recorded in WORLD_DIR/run/*.pid (never by process name). A PID is only
# signalled while its command line still mentions WORLD_DIR. Exits 0 even when
# nothing runs; the directory itself is left in place (logs stay readable).
set -uo pipefail
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || die "usage: $0 WORLD_DIR"
W=$(world_abs "$1")
[ -d "$W/run" ] || exit 0
for f in "$W"/run/*.pid; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .pid)
	stop_recorded "$W" "$name"
done
rm -f "$W/run/nsd.ctl"
exit 0
