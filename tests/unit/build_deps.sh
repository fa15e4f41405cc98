#!/bin/sh
# build_deps.sh - the README's command 1 must not install an MTA, a DNS or
# web server: checks the package list of scripts/install-build-deps.sh
# (or the packages given as arguments) and everything it depends on
# (apt-cache depends --recurse, Depends and Pre-Depends only, every
# alternative and every provider of a virtual package followed) against
# the providers of mail-transport-agent and the servers named below.
#   build_deps.sh [PACKAGE...]   exit 0: clean; 1: a forbidden package
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046
	set -- $("$here/../../scripts/install-build-deps.sh" --list)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances "$@" \
	>"$tmp/closure" 2>"$tmp/err"; then
	echo "build_deps: apt-cache depends failed:" >&2
	cat "$tmp/err" >&2
	exit 1
fi
# every package of the closure (virtual ones as <name>)
grep -v '^ ' "$tmp/closure" | tr -d '<>' | sort -u >"$tmp/pkgs"
# providers of mail-transport-agent (exim4-daemon-*, postfix, opensmtpd, ...)
apt-cache showpkg mail-transport-agent | sed -n '/^Reverse Provides:/,$p' |
	sed 1d | awk '{print $1}' | sort -u >"$tmp/mta"
echo mail-transport-agent >>"$tmp/mta"
bad=$( (
	grep -Fxf "$tmp/mta" "$tmp/pkgs" || true
	grep -E '^(nsd|nginx.*|unbound|bind9|apache2|postfix.*|exim4-daemon.*|opensmtpd|default-mta|policyrcd-.*)$' \
		"$tmp/pkgs" || true
) | sort -u)
n=$(wc -l <"$tmp/pkgs")
if [ -n "$bad" ]; then
	echo "build_deps: FORBIDDEN in the closure of: $*" >&2
	for p in $bad; do
		echo "  $p, pulled in by:" >&2
		# the package(s) whose Depends name it
		awk -v p="$p" '/^[^ ]/ {cur=$0} $2==p || $2=="<"p">" {print "    " cur}' \
			"$tmp/closure" | sort -u | head -5 >&2
	done
	exit 1
fi
echo "build_deps: $# packages, $n in their Depends closure, no MTA or server"
