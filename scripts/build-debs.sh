#!/bin/sh
# build-debs.sh - build the Debian packages mxtlsd, mxtls-exim and
# mxtls-opensmtpd from this tree into a directory (default ./debs).
#   build-debs.sh [OUTDIR]
# The tree (tracked and untracked, not ignored files) is copied to a
# temporary directory and built there with dpkg-buildpackage -b -us -uc,
# so no build artefact lands in the worktree or its parent. As root,
# missing build dependencies (debian/control Build-Depends, dpkg-dev) are
# installed with apt-get build-dep; they are build tools and -dev
# libraries only, no MTA or server. No tests run (debian/rules).
set -eu
cd "$(dirname "$0")/.."
out=${1:-debs}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if ! command -v dpkg-buildpackage >/dev/null \
	|| ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "build-debs.sh: build dependencies missing; as root run:" >&2
		echo "  apt-get install dpkg-dev && apt-get build-dep ./" >&2
		dpkg-checkbuilddeps >&2 || true
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
	apt-get build-dep -y -qq ./ >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(dpkg-parsechangelog -S Version)
src="$tmp/mxtls-$version"
mkdir "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked and new files; deleted ones (still in the index) are skipped
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$src" 2>/dev/null || true
else # not a git checkout (a tarball): everything but build output
	tar -cf - --exclude='./build*' --exclude=./debs --exclude='./obj-*' \
		--exclude=./.git . | tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2
	echo "build-debs.sh: dpkg-buildpackage failed (last 40 lines above)" >&2
	exit 1
}
grep -E '^(dpkg-shlibdeps|dh_[a-z]+): (warning|error)' "$tmp/build.log" >&2 || true
rm -f "$out"/mxtlsd_*.deb "$out"/mxtls-exim_*.deb "$out"/mxtls-opensmtpd_*.deb \
	"$out"/mxtlsd-dbgsym_*.deb "$out"/mxtls-*-dbgsym_*.deb "$out"/mxtls_*.changes \
	"$out"/mxtls_*.buildinfo
mv "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$out"/
echo "build-debs.sh: packages in $out:"
ls "$out"
