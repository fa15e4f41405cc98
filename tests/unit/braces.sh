#!/bin/sh
# braces.sh SRC BUILD - docs/STYLE.md's "braces always", checked: every if,
# else, for, while and do body of the C sources in cached/, common/ and
# modules/ is a braced block (clang-tidy's
# readability-braces-around-statements, with the build's own compile
# commands). Exit 77 (skipped) only when clang-tidy is not installed and
# this is not CI; scripts/install-test-deps.sh installs it.
set -eu
SRC=$1
BUILD=$2
if ! command -v clang-tidy >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && { echo "clang-tidy is missing"; exit 1; }
	echo "clang-tidy not installed: skipped"
	exit 77
fi
cd "$SRC"
out=$(git ls-files 'cached/*.c' 'common/*.c' 'modules/*.c' 2>/dev/null ||
	find cached common modules -name '*.c')
# shellcheck disable=SC2086
res=$(echo "$out" | xargs -n 16 -P 2 clang-tidy -p "$BUILD" --quiet \
	--extra-arg=-Wno-unknown-warning-option \
	-checks='-*,readability-braces-around-statements' 2>/dev/null |
	grep 'warning: statement should be inside braces' || true)
if [ -n "$res" ]; then
	echo "$res" | sed 's/^/braces: /'
	echo "braces: $(echo "$res" | wc -l) statement(s) without braces (docs/STYLE.md)"
	exit 1
fi
echo "braces: every statement body is a block in $(echo "$out" | wc -l) files"
