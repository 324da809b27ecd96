#!/bin/sh
# run-sites.sh: every fixture site under tests/sites/<case>/ is checked and
# its diagnostics compared, byte for byte, with tests/sites/<case>/expected
# (stderr, then a last line "exit: N"). A case may hold an `args` file with
# the arguments after `check` (default: --worktree --today 2007-05-31), or
# a `build` file (empty) for findings that only a build makes (a template's
# render past a limit, E042): the case is then built with those default
# arguments into a fresh folder, which must not exist afterwards (a build
# with errors writes nothing).
# The example site at the repository root is checked the same way against
# tests/example-check.expected.
#
# UPDATE=1 sh tests/run-sites.sh rewrites the expected files: review the diff.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
out=$(mktemp -d)
cache=$(mktemp -d)
trap 'rm -rf "$out" "$cache"' EXIT
export PLANSITE_CACHE="$cache" # never ~/.cache
fail=0
n=0

run_case() { # name dir expected command args...
	name=$1 dir=$2 expected=$3 cmd=$4
	shift 4
	if [ "$cmd" = build ]; then
		set -- "$@" --out "$out/site"
	fi
	(cd "$top" && "$PLANSITE" -C "$dir" "$cmd" "$@" >"$out/stdout" 2>"$out/got")
	echo "exit: $?" >>"$out/got"
	n=$((n + 1))
	if [ "$(ls -A "$out" | tr '\n' ' ')" != "got stdout " ]; then
		echo "FAIL $name: the build left files: $(ls -A "$out" | tr '\n' ' ')"
		fail=$((fail + 1))
		find "$out" -mindepth 1 -maxdepth 1 ! -name got ! -name stdout -exec rm -rf {} +
	fi
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$out/got" "$expected"
	elif ! cmp -s "$out/got" "$expected"; then
		echo "FAIL $name"
		diff -u "$expected" "$out/got" | head -40
		fail=$((fail + 1))
	fi
}

for d in "$here"/sites/*/; do
	name=$(basename "$d")
	[ -f "$d/site.yaml" ] || continue
	if [ -f "$d/args" ]; then
		# shellcheck disable=SC2046
		run_case "$name" "tests/sites/$name" "$d/expected" check $(cat "$d/args")
	elif [ -f "$d/build" ]; then
		run_case "$name" "tests/sites/$name" "$d/expected" build --worktree --today 2007-05-31
	else
		run_case "$name" "tests/sites/$name" "$d/expected" check --worktree --today 2007-05-31
	fi
done
run_case example . "$here/example-check.expected" check --worktree --today 2007-05-31

echo "sites: $n cases, $fail failed"
[ "$fail" = 0 ]
