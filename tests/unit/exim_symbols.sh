#!/bin/sh
# exim_symbols.sh SO - mxtls_exim.so may leave undefined only what the exim
# binary provides (the local_scan.h functions the module calls) and
# versioned symbols of its libraries. Anything else is bound lazily by
# Exim's dlopen(RTLD_LAZY) and kills the process on first use ("symbol
# lookup error") - as why_fail did, from common/domain.c, on the first
# domain that failed to normalise.
so=${1:?usage: exim_symbols.sh mxtls_exim.so}
[ -r "$so" ] || { echo "not ok - $so not readable"; exit 1; }
bad=$(nm -D --undefined-only "$so" | awk '$1 == "U" && $2 !~ /@/ { print $2 }' |
	grep -vxE 'debug_printf|debug_selector|expand_string|log_write|store_get_3|string_sprintf_trc' || true)
# data symbols (debug_selector) show as U too; weak ones (w) are fine
if [ -n "$bad" ]; then
	echo "not ok - undefined, not provided by Exim: $(echo "$bad" | tr '\n' ' ')"
	exit 1
fi
echo "ok - only Exim's own symbols left undefined in $so"
