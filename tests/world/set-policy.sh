#!/bin/bash
# set-policy.sh WORLD_DIR DOMAIN MODE MAX_AGE MX...   write an STSv1 policy
#                                                     (CRLF line endings)
# set-policy.sh WORLD_DIR DOMAIN -                    policy body from stdin,
#                                                     byte for byte
# set-policy.sh WORLD_DIR DOMAIN --delete             no policy file (404)
#
# Replaces WORLD_DIR/www/DOMAIN/.well-known/mta-sts.txt atomically; nginx
# serves the new file from the next request on (open_file_cache is off).
# Only the domains nginx serves from www/ (see nginx.conf.in) are affected.
set -euo pipefail
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

usage() { die "usage: $0 WORLD_DIR DOMAIN (MODE MAX_AGE MX... | - | --delete)"; }
[ $# -ge 3 ] || usage
W=$(world_abs "$1")
domain=${2%.}
domain=${domain,,}
[ -f "$W/.mxtls-world" ] || die "$W is not a test world"
case "$domain" in
*/* | .* | "") die "bad domain '$2'" ;;
esac
f=$(policy_path "$W" "$domain")
case "$3" in
--delete)
	[ $# -eq 3 ] || usage
	rm -f "$f"
	;;
-)
	[ $# -eq 3 ] || usage
	put_file "$f"
	;;
enforce | testing | none)
	[ $# -ge 4 ] || usage
	mode=$3 max_age=$4
	shift 4
	policy_text "$mode" "$max_age" "$@" | put_file "$f"
	;;
*) usage ;;
esac
