#!/bin/sh
# run-memory.sh: memory checks of the release build (issue 13, Memory).
#
# - valgrind's memcheck over $PLANSITE_RELEASE (-O2, no sanitizers: what is
#   shipped), on the repository's own example read from git: a public build
#   with its PDF, a practices build, a second build into the same output,
#   check (text and JSON), report (with its PDF), changes, and the error
#   paths of a build (content errors, a template error, a render limit, a
#   refused --out). Each must exit with its own status and valgrind must
#   find no memory error and no definitely lost block. Only definite leaks
#   count: fontconfig, pango and glib keep their caches until exit
#   ("possibly lost" and "still reachable" blocks that are theirs); no
#   suppression is needed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE_RELEASE:=$top/generator/plansite}"
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

if ! command -v valgrind >/dev/null 2>&1; then
	bad "valgrind is installed (generator/deps.sh test)"
	exit 1
fi

# vg name status args...: runs the release plansite under memcheck with its
# log in $tmp/vg-name; it must exit with status (valgrind's own error exit
# is 99, apart from plansite's 0-3) and leave no definitely lost byte.
n=0
vg() {
	name=$1 want=$2
	shift 2
	n=$((n + 1))
	start=$(date +%s)
	(cd "$top" && valgrind --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 --num-callers=40 \
		--log-file="$tmp/vg-$name" "$PLANSITE_RELEASE" "$@" >"$tmp/out-$name" 2>&1)
	st=$?
	secs=$(($(date +%s) - start))
	summary=$(sed -n 's/^==[0-9]*== *\(definitely lost: .*\)/\1/p' "$tmp/vg-$name")
	errors=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/vg-$name")
	indirect=$(sed -n 's/^==[0-9]*== *indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$tmp/vg-$name")
	if [ "$st" = "$want" ] && [ "$errors" = 0 ]; then
		ok "valgrind $name: exit $st, 0 errors, ${summary:-no leaks}, indirectly lost ${indirect:-0} bytes (${secs} s)"
	else
		bad "valgrind $name: exit $st (want $want), ${errors:-?} errors, ${summary:-?}"
		grep -v '^==[0-9]*== *$' "$tmp/vg-$name" | sed 's/^/     /' | head -80
		sed 's/^/     /' "$tmp/out-$name" | head -20
	fi
}

T="--today 2007-05-31"
vg build 0 build $T --out "$tmp/public" --cache "$tmp/c1"
pdfs=$(find "$tmp/public" -name '*.pdf' | wc -l)
if [ "$pdfs" -ge 1 ]; then ok "the build under valgrind wrote its PDFs ($pdfs)"; else bad "the build under valgrind wrote a PDF"; fi
vg build-again 0 build $T --out "$tmp/public" --cache "$tmp/c1"
vg practices 0 build $T --audience practices --out "$tmp/practices" --cache "$tmp/c2"
vg check 0 check $T
vg check-json 0 check $T --format json
vg report 0 report 2007-04 $T --out "$tmp/report" --cache "$tmp/c3"
vg changes 0 changes HEAD~20 HEAD --cache "$tmp/c4"
s=$top/tests/sites
vg content-errors 1 -C "$s/e002-checks-go-on" build --worktree $T --out "$tmp/e1" --cache "$tmp/c5"
vg template-error 1 -C "$s/e040-template-syntax" build --worktree $T --out "$tmp/e2" --cache "$tmp/c5"
vg render-limit 1 -C "$s/e042-template-expansions" build --worktree $T --out "$tmp/e3" --cache "$tmp/c5"
vg refused-out 2 build $T --out "$top/content" --cache "$tmp/c5"

if [ "$fail" = 0 ]; then echo "run-memory.sh: all passed"; else echo "run-memory.sh: $fail failed"; fi
[ "$fail" = 0 ]
