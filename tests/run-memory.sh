#!/bin/sh
# run-memory.sh: memory checks of the release build (issue 13, Memory).
#
# - valgrind's memcheck over $PLANSITE_RELEASE (-O2, no sanitizers: what is
#   shipped), on the repository's own example read from git: a public build
#   with its PDF, a practices build, the same build again (a no-op),
#   check (text and JSON), report (with its PDF), changes, and the error
#   paths of a build (content errors, a template error, a render limit, a
#   refused --out). Each must exit with its own status and valgrind must
#   find no memory error and no definitely lost block. Only definite leaks
#   count: fontconfig, pango and glib keep their caches until exit
#   ("possibly lost" and "still reachable" blocks that are theirs); no
#   suppression is needed.
# - Builds in one process, as a preview server makes them: tests/memory/
#   loop.c calls build_run 20 times ($PLANSITE_LOOP, release), each into an
#   output and a cache of its own so that each does the whole work, then
#   once more into the first output (a no-op rebuild). Every output must be
#   byte for byte what `plansite build` writes for the same command, so a
#   build keeps no state that changes the next. Memory must not grow after
#   the second build; how that is measured:
#     * one worker thread (PLANSITE_JOBS=1) and no malloc thread cache
#       (tcache_count=0), so that the figures are exact: the heap in use
#       after build 20 is within 4 KB of that after build 2 (here equal,
#       or 32 bytes apart: a build that kept 228 bytes fails), and the
#       resident set within 1 MB (here +0.05 MB);
#     * two worker threads (as on this two-core machine; fixed, so that
#       the bound holds on any machine) and malloc as plansite sets it up:
#       the resident set after build 20 within 6 MB of that after build 2.
#       Not tighter, and not a leak: a build's threads take glibc's malloc
#       arenas (one more than the threads) in whatever order they start,
#       and the pages each arena has touched rise to the most any thread
#       has asked of it, which takes some builds to reach. After build 20
#       it is 29.8 MB in each of six runs, after build 2 anything from 26.2
#       to 28.2 MB (+3.5 MB at the most; then +0.1 MB from build 20 to 60),
#       while the heap in use, under valgrind, is the same after 2 builds
#       as after 6, to the byte.
#   The same loop with the sanitizers ($PLANSITE_LOOP_SAN): LeakSanitizer
#   finds nothing at exit and the outputs are the same bytes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE_RELEASE:=$top/generator/plansite}"
: "${PLANSITE_LOOP:=$top/build/rel/memory/loop}"
: "${PLANSITE_LOOP_SAN:=$top/build/san/memory/loop}"
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

T="--today 2007-05-31"
TODAY=2007-05-31

# ref name args...: the output `plansite build` writes, in $tmp/ref-name.
ref() {
	name=$1
	shift
	"$PLANSITE_RELEASE" -C "$top" build $T "$@" --out "$tmp/ref-$name" \
		--cache "$tmp/refcache-$name" >"$tmp/ref-$name.err" 2>&1 ||
		bad "the reference build $name: exit $? ($(tail -1 "$tmp/ref-$name.err"))"
}

# loop name binary N args...: N builds in one process into $tmp/name/, with
# the environment $loop_env (VAR=value words) added; the figures in
# $tmp/name.txt. Each output must be the reference's, and the last build
# (the first output again) a no-op.
loop_env=
loop() {
	name=$1 bin=$2 count=$3
	shift 3
	mkdir -p "$tmp/$name"
	start=$(date +%s)
	# shellcheck disable=SC2086 # loop_env is words
	env $loop_env "$bin" "$count" "$tmp/$name" "$top" "$TODAY" "$@" >"$tmp/$name.txt" 2>"$tmp/$name.err"
	st=$?
	secs=$(($(date +%s) - start))
	if [ "$st" = 0 ]; then ok "$name: $count builds in one process, exit 0 (${secs} s)"; else
		bad "$name: $count builds in one process, exit $st"
		tail -20 "$tmp/$name.err" | sed 's/^/     /'
	fi
	same=0
	i=1
	while [ "$i" -le "$count" ]; do
		if diff -r "$tmp/ref-$refname" "$tmp/$name/out-$i" >/dev/null 2>&1; then
			same=$((same + 1))
		elif [ "$same" -ge 0 ]; then
			bad "$name: build $i differs from plansite build's output"
			diff -r "$tmp/ref-$refname" "$tmp/$name/out-$i" 2>&1 | head -10 | sed 's/^/     /'
			same=-1000
		fi
		i=$((i + 1))
	done
	if [ "$same" = "$count" ]; then ok "$name: all $count outputs are byte for byte plansite build's"; fi
	n_noop=$(grep -c 'is up to date' "$tmp/$name.err")
	if [ "$n_noop" = 1 ] && grep -q '^again 1: exit 0$' "$tmp/$name.txt"; then
		ok "$name: the build again into the first output is a no-op"
	else
		bad "$name: the build again into the first output is a no-op ($n_noop no-ops)"
	fi
}

# field name build key: a figure of build N (rss, hwm or heap) from $tmp/name.txt.
field() {
	sed -n "s/^build $2: .* $3 \([0-9-]*\).*/\1/p" "$tmp/$1.txt" | tr -d ,
}

# within name key limit unit: the figure key after build 20 is at most limit
# above that after build 2.
within() {
	a=$(field "$1" 2 "$2") b=$(field "$1" 20 "$2")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -le $((a + $3)) ]; then
		ok "$1: $2 after build 2 $a $4, after build 20 $b $4 (at most +$3)"
	else
		bad "$1: $2 after build 2 ${a:-?} $4, after build 20 ${b:-?} $4 (at most +$3)"
		cat "$tmp/$1.txt" | sed 's/^/     /'
	fi
}

refname=public
ref public
ref worktree --worktree
loop_env="PLANSITE_JOBS=2"
loop loop-threads "$PLANSITE_LOOP" 20
within loop-threads rss 6144 kB
refname=worktree
loop_env="PLANSITE_JOBS=1 GLIBC_TUNABLES=glibc.malloc.tcache_count=0"
loop loop-exact "$PLANSITE_LOOP" 20 --worktree
loop_env=
within loop-exact heap 4096 bytes
within loop-exact rss 1024 kB
refname=public
loop loop-sanitizers "$PLANSITE_LOOP_SAN" 20
if grep -q 'LeakSanitizer\|AddressSanitizer' "$tmp/loop-sanitizers.err"; then
	bad "loop-sanitizers: the sanitizers found something"
	grep -A20 'Sanitizer' "$tmp/loop-sanitizers.err" | head -40 | sed 's/^/     /'
fi
for f in loop-threads loop-exact; do
	echo "     $f: $(sed -n 's/^build \([0-9]*\): exit [0-9]*, rss \([0-9]*\).*heap \([0-9-]*\)/\1:\2/p' "$tmp/$f.txt" | tr '\n' ' ')(build:kB)"
done

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

vg build 0 build $T --out "$tmp/public" --cache "$tmp/c1"
pdfs=$(find "$tmp/public" -name '*.pdf' | wc -l)
if [ "$pdfs" -ge 1 ]; then ok "the build under valgrind wrote its PDFs ($pdfs)"; else bad "the build under valgrind wrote a PDF"; fi
vg build-again 0 build $T --out "$tmp/public" --cache "$tmp/c1"
if grep -q 'is up to date' "$tmp/out-build-again"; then ok "the build again under valgrind is a no-op"; else
	bad "the build again under valgrind is a no-op"; sed 's/^/     /' "$tmp/out-build-again"; fi
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
