#!/bin/sh
# install-deps.sh - kept for old instructions: installs the whole test
# world (scripts/install-test-deps.sh, which includes the build deps).
# To only build and run mxtlsd use scripts/install-build-deps.sh.
exec "$(dirname "$0")/install-test-deps.sh" "$@"
