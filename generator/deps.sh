#!/bin/sh
# deps.sh: makes sure the Debian packages plansite needs are installed.
# Usage: generator/deps.sh build|test|fuzz (fuzz: clang and libFuzzer, for
# make fuzz)
# As root it installs what is missing with apt-get; otherwise it prints the
# exact apt-get line and fails, so `make` stops with something to do.
set -eu

build_pkgs="gcc make pkg-config git libgit2-dev libyaml-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-dejavu-extra"
test_pkgs="libcmocka-dev python3 poppler-utils chromium default-jre-headless nodejs npm strace valgrind time"
fuzz_pkgs="clang libclang-rt-14-dev"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
fuzz) want="$build_pkgs $fuzz_pkgs" ;;
*) echo "usage: $0 build|test|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		# nodejs/npm may come from elsewhere than Debian: accept the commands
		case "$p" in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		gcc|make|git) command -v "$p" >/dev/null 2>&1 && continue ;;
		esac
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "plansite: installing missing Debian packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
	exit 0
fi
echo "plansite: missing Debian packages. Install them with:" >&2
echo "  sudo apt-get install -y$missing" >&2
exit 1
