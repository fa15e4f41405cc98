#!/bin/sh
# test_deps_policy.sh - scripts/install-test-deps.sh puts a policy-rc.d in
# place while it installs and removes it afterwards, also when apt-get
# fails; one that was there before stays. Runs the real script with a fake
# apt-get (records whether /usr/sbin/policy-rc.d exists at each call) in a
# private mount namespace whose /usr/sbin is a copy without (or with) a
# policy-rc.d, so the machine's own is never touched. Needs root (mount
# namespace); exits 77 (skipped) otherwise.
#   test_deps_policy.sh SOURCE_DIR
set -eu
src=$1
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "test_deps_policy: needs root and unshare -m: skipped"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
cat >"$tmp/bin/apt-get" <<'EOS'
#!/bin/sh
if [ -e /usr/sbin/policy-rc.d ]; then s=present; else s=absent; fi
echo "$s $*" >>"$FAKE_APT_LOG"
case "$*" in *" nsd "*) [ -z "${FAKE_APT_FAIL:-}" ] || exit 100 ;; esac
exit 0
EOS
chmod +x "$tmp/bin/apt-get"
fail=0
run() { # NAME PRE_EXISTING(0|1) FAIL(""|1) -> prints "rc after"
	log="$tmp/$1.log"
	: >"$log"
	FAKE_APT_LOG=$log FAKE_APT_FAIL=$3 PATH="$tmp/bin:$PATH" \
		unshare -m sh -c '
		set -e
		mkdir "$0/sbin"
		cp -a /usr/sbin/. "$0/sbin/"
		rm -f "$0/sbin/policy-rc.d"
		if [ "$1" = 1 ]; then
			printf "#!/bin/sh\n# the admin\x27s own\nexit 0\n" >"$0/sbin/policy-rc.d"
		fi
		mount --bind "$0/sbin" /usr/sbin
		rc=0
		"$2/scripts/install-test-deps.sh" >/dev/null 2>&1 || rc=$?
		if [ -e /usr/sbin/policy-rc.d ]; then
			if grep -q "the admin" /usr/sbin/policy-rc.d; then a=kept; else a=left; fi
		else
			a=gone
		fi
		echo "$rc $a"' "$tmp/$1" "$2" "$src"
}
check() { # WHAT CONDITION...
	w=$1
	shift
	if "$@"; then echo "ok   - $w"; else echo "FAIL - $w"; fail=1; fi
}
mkdir "$tmp/clean" "$tmp/failing" "$tmp/admin"
r=$(run clean 0 "")
check "clean run succeeds and removes its policy-rc.d ($r)" [ "$r" = "0 gone" ]
check "policy-rc.d present while nsd/nginx/unbound install" \
	grep -q '^present install .* nsd ' "$tmp/clean.log"
check "build deps installed before it is created (no policy-rc.d)" \
	grep -q '^absent install .* cmake' "$tmp/clean.log"
r=$(run failing 0 1)
check "failed apt-get: script fails, policy-rc.d still removed ($r)" \
	sh -c "[ '${r#* }' = gone ] && [ '${r%% *}' != 0 ]"
r=$(run admin 1 "")
check "an admin's policy-rc.d is left alone ($r)" [ "$r" = "0 kept" ]
exit "$fail"
