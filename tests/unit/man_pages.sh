#!/bin/sh
# man_pages.sh - the man pages stay in step with the code:
#  - every key of configs/mxtlsd.conf (section.key) has a ".B section.key"
#    entry in man/mxtlsd.conf.5, and every entry there is a key of the file;
#  - every subcommand in mxtlsctl's usage (what it prints for --help) is a
#    .TP entry of man/mxtlsctl.8, and every entry there is in the usage;
#  - every page renders without warnings (man --warnings), when man exists.
#   man_pages.sh SOURCE_DIR MXTLSCTL
set -eu
src=$1
ctl=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# configs/mxtlsd.conf: "section: {" opens, "};" closes, "key = ...;" inside
# (a group in a group, store: { redis: { ... }; }, gives store.redis.key)
awk '/^[a-z_]+: \{/ {sec=$1; sub(":", "", sec); grp=""; next}
	sec != "" && /^[ \t]+[a-z_]+: \{/ {grp=$1; sub(":", ".", grp); next}
	/^[ \t]+\};/ {grp=""; next}
	/^\};/ {sec=""; next}
	sec != "" && /^[ \t]*[a-z_]+ = / {print sec "." grp $1}' \
	"$src/configs/mxtlsd.conf" | sort >"$tmp/conf"
sed -n '/^\.SH KEYS/,/^\.SH /s/^\.B \([a-z_]*\.[a-z_.]*\)$/\1/p' \
	"$src/man/mxtlsd.conf.5" | sort >"$tmp/man5"
if [ ! -s "$tmp/conf" ]; then
	echo "man_pages: no keys read from configs/mxtlsd.conf" >&2
	exit 1
fi
if ! diff -u "$tmp/conf" "$tmp/man5" >"$tmp/d"; then
	echo "man_pages: configs/mxtlsd.conf (-) and man/mxtlsd.conf.5 (+) differ:" >&2
	grep '^[-+][a-z]' "$tmp/d" >&2
	fail=1
fi

# mxtlsctl's usage: the word after "mxtlsctl [opts]" on each line, with
# "parse"'s and "report"'s own first word; "a | b | c" alternatives too
"$ctl" --help >"$tmp/usage" 2>&1 || true
grep -E '^(usage:)? *mxtlsctl ' "$tmp/usage" |
	sed -e 's/^usage://' -e 's/\[-[st] [A-Z]*\]//g' |
	awk '{ for (i = 1; i <= NF; i++) if ($i == "mxtlsctl") break;
		w = $(i + 1);
		if (w == "parse" || w == "report") w = w " " $(i + 2);
		print w;
		for (j = i + 2; j <= NF; j++) if ($(j - 1) == "|") print $j }' |
	sort -u >"$tmp/cmds"
# man/mxtlsctl.8: the first one or two words of each .TP tag in COMMANDS
sed -n '/^\.SH COMMANDS/,/^\.SH /{/^\.TP/{n;p}}' "$src/man/mxtlsctl.8" |
	sed -e 's/^\.[A-Z]* //' -e 's/"//g' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' |
	awk '{ w = $1; if (w == "parse" || w == "report") w = w " " $2; print w }' |
	sort -u >"$tmp/man8"
if [ "$(wc -l <"$tmp/cmds")" -lt 5 ]; then
	echo "man_pages: could not read mxtlsctl's usage:" >&2
	cat "$tmp/usage" >&2
	exit 1
fi
if ! diff -u "$tmp/cmds" "$tmp/man8" >"$tmp/d"; then
	echo "man_pages: mxtlsctl usage (-) and man/mxtlsctl.8 (+) differ:" >&2
	grep '^[-+][a-z]' "$tmp/d" >&2
	fail=1
fi

if command -v man >/dev/null; then
	for page in "$src"/man/*.[0-9]; do
		if LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" \
			2>&1 >/dev/null | grep . >"$tmp/w"; then
			echo "man_pages: $page: warnings:" >&2
			cat "$tmp/w" >&2
			fail=1
		fi
	done
fi
[ "$fail" = 0 ] && echo "man_pages: $(wc -l <"$tmp/conf") keys," \
	"$(wc -l <"$tmp/cmds") mxtlsctl commands, pages in step"
exit "$fail"
