#!/usr/bin/env bash
# tests/bench/run.sh: plansite against Hugo and the cmark-gfm floor (`make bench`).
# What it measures and how: tests/bench/README.md. Settings, all from the
# environment:
#   N="1000 10000"   site sizes (documents; N= for none)   RUNS=5  timed runs per row
#   SEED=1           generator seed              TODAY=2026-06-30  the sites' "today"
#   BENCH_CACHE=/tmp/plansite-bench              sites and Hugo sites
#   BENCH_OUT=$BENCH_CACHE/out                   outputs (/dev/shm/... leaves the disk out)
#   BENCH_HISTORY=1  also the git-history case:  HISTORY_N=10000 documents with
#                    HISTORY_COMMITS=10000 commits
#   BENCH_PLANSITE=path  time that binary instead of building generator/plansite
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/bench
CACHE=${BENCH_CACHE:-/tmp/plansite-bench}
OUTS=${BENCH_OUT:-$CACHE/out}
SIZES=${N-1000 10000}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
TODAY=${TODAY:-2026-06-30}
HISTORY=${BENCH_HISTORY:-0}
HISTORY_N=${HISTORY_N:-10000}
HISTORY_COMMITS=${HISTORY_COMMITS:-10000}
PLANSITE=${BENCH_PLANSITE:-$ROOT/generator/plansite}
HUGO_MAX_N=${HUGO_MAX_N:-10000}
FLOOR=$ROOT/build/bench/floor

case "$RUNS$SEED$HISTORY_N$HISTORY_COMMITS$(echo $SIZES | tr -d ' ')" in
*[!0-9]*) echo "bench: N, RUNS, SEED, HISTORY_N and HISTORY_COMMITS must be numbers" >&2; exit 2 ;;
esac
[ "$RUNS" -ge 1 ] || { echo "bench: RUNS must be at least 1" >&2; exit 2; }

say() { printf '%s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }

# ------------------------------------------------------------------- tools

# need COMMAND PACKAGE: installs the Debian package when root, else says how.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ]; then
		warn "installing $2 (apt-get install -y $2)"
		apt-get install -y -q "$2" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null 2>&1; }
	fi
	command -v "$1" >/dev/null 2>&1 && return 0
	warn "$1 is missing; install it with: apt-get install -y $2"
	return 1
}

need python3 python3 || exit 1
need /usr/bin/time time || exit 1
HAVE_HUGO=1
need hugo hugo || HAVE_HUGO=0
HAVE_GIT=1
need git git || HAVE_GIT=0

# the release generator, and the floor (built like plansite, same compiler and flags)
if [ -z "${BENCH_PLANSITE:-}" ]; then
	${MAKE:-make} -C "$ROOT" --no-print-directory generator/plansite >&2 || { warn "make generator/plansite failed"; exit 1; }
fi
[ -x "$PLANSITE" ] || { warn "$PLANSITE is not an executable"; exit 1; }
# Time a snapshot, so that a rebuild of generator/plansite meanwhile changes nothing.
mkdir -p "$CACHE"
SNAP=$(mktemp "$CACHE/plansite.XXXXXX") && cp "$PLANSITE" "$SNAP" && chmod +x "$SNAP" ||
	{ warn "cannot copy $PLANSITE into $CACHE"; exit 1; }
trap 'rm -f "$SNAP"' EXIT
PLANSITE=$SNAP
mkdir -p "$(dirname "$FLOOR")"
if [ ! -x "$FLOOR" ] || [ "$HERE/floor.c" -nt "$FLOOR" ]; then
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libcmark-gfm) \
		-o "$FLOOR" "$HERE/floor.c" $(pkg-config --libs libcmark-gfm) -lcmark-gfm-extensions ||
		{ warn "cannot build the floor (tests/bench/floor.c)"; exit 1; }
fi

# Options plansite knows today: the rows use them when --help lists them.
HELP=$("$PLANSITE" --help 2>&1)
knows() { printf '%s\n' "$HELP" | grep -q -e "$1"; }
BUILD_OPTS=(--today "$TODAY")
knows --audience && BUILD_OPTS+=(--audience practices)
knows --no-pdf && BUILD_OPTS+=(--no-pdf)
knows --no-versions && BUILD_OPTS+=(--no-versions)
WT=()
knows --worktree && WT=(--worktree)
HAS_NO_HISTORY=0
knows --no-history && HAS_NO_HISTORY=1

# -------------------------------------------------------- sites, cached

hash_of() { sha256sum "$@" | sha256sum | cut -c1-10; }
GEN_HASH=$(hash_of "$HERE/gen-site.py")
HUGO_HASH=$(hash_of "$HERE/gen-hugo.py")
mkdir -p "$CACHE"

# site DOCS COMMITS: prints the site's folder, generating it once.
site() {
	local dir=$CACHE/site-n$1-c$2-s$SEED-t$TODAY-$GEN_HASH
	if [ ! -f "$dir.ok" ]; then
		rm -rf "$dir" "$dir.ok"
		local t0 t1
		t0=$(date +%s%N)
		local args=(--docs "$1" --seed "$SEED" --today "$TODAY")
		[ "$2" -gt 0 ] && args+=(--commits "$2")
		python3 "$HERE/gen-site.py" "${args[@]}" "$dir" >&2 || { rm -rf "$dir"; return 1; }
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 )) > "$dir.ok"
	fi
	printf '%s\n' "$dir"
}

# hugo_site SITE [--gitinfo]: prints the Hugo site's folder, made once per site.
hugo_site() {
	local dir=$1.hugo${2:+-git}-$HUGO_HASH
	if [ ! -f "$dir.ok" ]; then
		rm -rf "$dir"
		python3 "$HERE/gen-hugo.py" ${2:+"$2"} "$1" "$dir" >&2 || { rm -rf "$dir"; return 1; }
		touch "$dir.ok"
	fi
	printf '%s\n' "$dir"
}

# bodies SITE: every body, front matter and BOM stripped, NUL-separated, for the floor.
bodies() {
	local f=$1.bodies
	if [ ! -f "$f" ]; then
		python3 - "$1" "$f.tmp" <<'EOF' || return 1
import os, sys
site, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as w:
    for kind in ("plan", "projects", "meetings", "reports", "pages"):
        d = os.path.join(site, "content", kind)
        for name in sorted(os.listdir(d)):
            if not name.endswith(".md"):
                continue
            b = open(os.path.join(d, name), "rb").read()
            if b.startswith(b"\xef\xbb\xbf"):
                b = b[3:]
            nl = b"\r\n" if b.startswith(b"---\r\n") else b"\n"
            end = b.find(nl + b"---" + nl, 3)
            w.write((b[end + len(nl) * 2 + 3:] if end >= 0 else b) + b"\0")
EOF
		mv "$f.tmp" "$f"
	fi
	printf '%s\n' "$f"
}

# ------------------------------------------------------------ measuring

TF=$(mktemp)
ERR=$(mktemp)
trap 'rm -f "$TF" "$ERR" "$SNAP"' EXIT
declare -A MED MIN CPU RSS PAGES ALL

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

fail() { # fail KEY WHAT RC
	warn "$2 failed (exit $3); the end of its stderr:"
	tail -n 15 "$ERR" | sed 's/^/    /' >&2
	MED[$1]=FAILED
}

# plan KEY MODE OUTDIR CMD...: a row to measure. MODE fresh: OUTDIR is
# deleted (and made empty) before every run, outside the timing; keep:
# OUTDIR stays as the run before left it (no-op rebuilds: planned after the
# build whose output they find); none: the command writes no output.
# measure_planned runs every planned row once untimed (warm-up), then RUNS
# rounds of one timed run of each row in turn: interleaved, so that a slow
# spell of a shared machine falls on every tool alike, not on one row.
declare -a ORDER=()
declare -A MODE OUTD CMDS WALLS CPUS RSSMAX
plan() {
	local key=$1
	MODE[$key]=$2 OUTD[$key]=$3
	shift 3
	CMDS[$key]=$(printf '%q ' "$@")
	WALLS[$key]="" CPUS[$key]="" RSSMAX[$key]=0
	ORDER+=("$key")
}

run_once() { # run_once KEY TIMED
	local key=$1 rc t0 t1 u s m
	if [ "${MODE[$key]}" = fresh ] || { [ "$2" = 0 ] && [ "${MODE[$key]}" != none ]; }; then
		rm -rf "${OUTD[$key]}"
		mkdir -p "${OUTD[$key]}"
	fi
	sync
	t0=$(date +%s%N)
	eval "/usr/bin/time -o \"\$TF\" -f '%U %S %M' ${CMDS[$key]}" >/dev/null 2>"$ERR"
	rc=$?
	t1=$(date +%s%N)
	if [ $rc -ne 0 ]; then
		fail "$key" "$key" $rc
		return 1
	fi
	[ "$2" = 1 ] || return 0
	WALLS[$key]="${WALLS[$key]} $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
	read -r u s m < <(tail -n 1 "$TF")
	CPUS[$key]="${CPUS[$key]} $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')"
	[ "$m" -gt "${RSSMAX[$key]}" ] && RSSMAX[$key]=$m
	return 0
}

measure_planned() {
	local key i
	declare -A dead=()
	for key in "${ORDER[@]}"; do
		run_once "$key" 0 || dead[$key]=1
	done
	for i in $(seq "$RUNS"); do
		for key in "${ORDER[@]}"; do
			[ -n "${dead[$key]:-}" ] && continue
			run_once "$key" 1 || dead[$key]=1
		done
	done
	for key in "${ORDER[@]}"; do
		[ -n "${dead[$key]:-}" ] && continue
		MED[$key]=$(echo "${WALLS[$key]}" | median)
		MIN[$key]=$(echo "${WALLS[$key]}" | tr ' ' '\n' | grep . | sort -n | head -n 1)
		CPU[$key]=$(echo "${CPUS[$key]}" | median)
		RSS[$key]=$((RSSMAX[$key] / 1024))
		ALL[$key]=${WALLS[$key]}
		if [ "${MODE[$key]}" = none ]; then PAGES[$key]=-; else PAGES[$key]=$(find "${OUTD[$key]}" -name '*.html' | wc -l); fi
	done
	ORDER=()
}

skip() { MED[$1]=$2; } # skip KEY WHY: the row shows WHY (n/a, missing)

row() { # row KEY LABEL
	local k=$1
	case ${MED[$k]:-n/a} in
	[0-9]*) printf '  %-34s %8.2f %8.2f %8.2f %8d %7s\n' "$2" "${MED[$k]}" "${MIN[$k]}" "${CPU[$k]}" "${RSS[$k]}" "${PAGES[$k]}" ;;
	*) printf '  %-34s %8s %8s %8s %8s %7s\n' "$2" "${MED[$k]:-n/a}" - - - - ;;
	esac
}

header() {
	printf '  %-34s %8s %8s %8s %8s %7s\n' "" "wall s" "min s" "cpu s" "RSS MiB" "html"
	printf '  %-34s %8s %8s %8s %8s %7s\n' "" "median" "" "median" "peak" "files"
}

# ratio LABEL NUM DEN TARGET: NUM/DEN from the named arrays, "-" when either is missing.
ratio() {
	local a=$2 b=$3
	case "$a" in *[!0-9.]* | "") b=x ;; esac
	case "$b" in *[!0-9.]* | "") printf '  %-34s %8s   (target %s)\n' "$1" - "$4"; return ;; esac
	awk -v a="$a" -v b="$b" -v l="$1" -v t="$4" 'BEGIN {
		if (b + 0 == 0) printf "  %-34s %8s   (target %s)\n", l, "-", t
		else printf "  %-34s %8.2f   (target %s)\n", l, a / b, t }'
}

runs_list() { # runs_list KEY LABEL
	[ -n "${ALL[$1]:-}" ] && printf '    %-32s%s\n' "$2:" "${ALL[$1]}"
}

# ----------------------------------------------------------------- run

say "plansite benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
say "tools: $("$PLANSITE" --version 2>&1 | head -n 1), $( [ $HAVE_HUGO = 1 ] && hugo version | awk '{ print "hugo " $2 }' || echo 'hugo missing'), cmark-gfm $(pkg-config --modversion libcmark-gfm)"
say "plansite build options: ${BUILD_OPTS[*]} (the N sites are read with ${WT[*]:-no --worktree}, the history site from git)"
say "$RUNS rounds of timed runs, each row once a round in turn, after one warm-up of each; sites in $CACHE, outputs in $OUTS"
LOAD=$(cut -d' ' -f1 /proc/loadavg)
say "load average at the start: $LOAD$(awk -v l="$LOAD" 'BEGIN { if (l + 0 > 0.5) print " (something else is running: expect noisy wall times; compare cpu s)" }')"

PREV_N="" PREV_BUILD="" PREV_S=""
for n in $SIZES; do
	say ""
	S=$(site "$n" 0) || { say "== N = $n: the site generator failed"; continue; }
	MD=$(find "$S"/content -mindepth 2 -maxdepth 2 -name '*.md' -exec cat {} + | wc -c)
	say "== N = $n documents ($(find "$S"/content -mindepth 2 -maxdepth 2 -name '*.md' | wc -l) Markdown files, $(awk -v b="$MD" 'BEGIN { printf "%.1f", b / 1048576 }') MiB; generated in $(awk -v m="$(cat "$S.ok")" 'BEGIN { printf "%.1f", m / 1000 }') s, cached)"
	O=$OUTS/n$n
	plan "build" fresh "$O/plansite" "$PLANSITE" -C "$S" build "${WT[@]}" "${BUILD_OPTS[@]}" --out "$O/plansite"
	plan "noop" keep "$O/plansite" "$PLANSITE" -C "$S" build "${WT[@]}" "${BUILD_OPTS[@]}" --out "$O/plansite"
	plan "check" none - "$PLANSITE" -C "$S" check "${WT[@]}" --today "$TODAY"
	if [ $HAVE_HUGO = 0 ]; then
		skip hugo missing
	elif [ "$n" -gt "$HUGO_MAX_N" ]; then
		skip hugo "N>$HUGO_MAX_N"
	elif H=$(hugo_site "$S"); then
		plan "hugo" fresh "$O/hugo" hugo --quiet --source "$H" --destination "$O/hugo"
	else
		skip hugo FAILED
	fi
	if B=$(bodies "$S"); then
		plan "floor" fresh "$O/floor" "$FLOOR" "$B" "$O/floor/all.html"
	else
		skip floor FAILED
	fi
	# The size before built again in these rounds, so that the growth ratio
	# compares runs made under the same conditions of the shared machine.
	if [ -n "$PREV_N" ]; then
		plan "prev" fresh "$O/plansite-prev" "$PLANSITE" -C "$PREV_S" build "${WT[@]}" "${BUILD_OPTS[@]}" --out "$O/plansite-prev"
	fi
	measure_planned
	header
	row build "plansite build"
	row noop "plansite build, no-op rebuild"
	row check "plansite check"
	row hugo "hugo"
	row floor "floor (cmark-gfm, bodies only)"
	if [ -n "$PREV_N" ]; then
		row prev "plansite build, N=$PREV_N again"
	fi
	say "  ratios (wall time unless said):"
	ratio "plansite / hugo" "${MED[build]}" "${MED[hugo]:-}" "<= 0.10"
	ratio "plansite / hugo, peak RSS" "${RSS[build]:-}" "${RSS[hugo]:-}" "<= 0.10"
	ratio "plansite / floor" "${MED[build]}" "${MED[floor]:-}" "<= 1.5"
	ratio "check / floor" "${MED[check]}" "${MED[floor]:-}" "<= 1.0"
	ratio "no-op rebuild / build" "${MED[noop]}" "${MED[build]}" "< 0.10"
	if [ -n "$PREV_N" ]; then
		# linear growth: N times k should cost at most 1.1 k times as much
		k=$(awk -v a="$n" -v b="$PREV_N" 'BEGIN { printf "%g", a / b }')
		ratio "build N=$n / N=$PREV_N" "${MED[build]}" "${MED[prev]:-}" "<= $(awk -v k="$k" 'BEGIN { printf "%g", 1.1 * k }'), for $k times the documents, same rounds"
		awk -v a="${MED[build]}" -v b="$PREV_BUILD" -v l="(the N=$PREV_N table's build)" 'BEGIN {
			if (a + 0 > 0 && b + 0 > 0) printf "  %-34s %8.2f   (its rounds ran at another time)\n", l, a / b }'

	fi
	say "  every run (wall s):"
	runs_list build "plansite build"
	runs_list noop "no-op rebuild"
	runs_list check "plansite check"
	runs_list hugo "hugo"
	runs_list floor "floor"
	if [ -n "$PREV_N" ]; then
		runs_list prev "N=$PREV_N again"
	fi
	# The leak guard's share of a public build (its own timing, --verbose):
	# the guard cannot be turned off, so it is timed from inside.
	if knows --verbose; then
		GW="" GT=""
		for i in $(seq "$RUNS"); do
			rm -rf "$O/plansite-public"
			"$PLANSITE" -C "$S" build "${WT[@]}" --today "$TODAY" --no-pdf --no-versions --verbose \
				--out "$O/plansite-public" >/dev/null 2>"$ERR" || { warn "public build failed"; break; }
			GT="$GT $(sed -n 's/^plansite: \([0-9.]*\) s: read.*/\1/p' "$ERR")"
			GW="$GW $(sed -n 's/.*of which the leak guard \([0-9.]*\).*/\1/p' "$ERR")"
		done
		gt=$(echo "$GT" | median) gw=$(echo "$GW" | median)
		if [ -n "$gt" ] && [ -n "$gw" ]; then
			printf '  %-34s %8.2f s, of which the leak guard %.3f s\n' "plansite build, public (median)" "$gt" "$gw"
			ratio "leak guard / public build" "$gw" "$gt" "< 0.10"
		fi
	fi
	PREV_N=$n PREV_BUILD=${MED[build]} PREV_S=$S
	MED=() MIN=() CPU=() RSS=() PAGES=() ALL=()
done

if [ "$HISTORY" = 1 ]; then
	say ""
	if [ $HAVE_GIT = 0 ]; then
		say "== history: git is missing (apt-get install -y git)"
		exit 0
	fi
	S=$(site "$HISTORY_N" "$HISTORY_COMMITS") || { say "== history: the site generator failed"; exit 0; }
	say "== history: N = $HISTORY_N documents, $(git -C "$S" rev-list --count HEAD) commits (generated in $(awk -v m="$(cat "$S.ok")" 'BEGIN { printf "%.1f", m / 1000 }') s, cached)"
	O=$OUTS/history
	# Read from git (HEAD), as a real site is: no --worktree here.
	plan "hist" fresh "$O/plansite" "$PLANSITE" -C "$S" build "${BUILD_OPTS[@]}" --out "$O/plansite"
	if [ $HAS_NO_HISTORY = 1 ]; then
		plan "nohist" fresh "$O/plansite-nohist" "$PLANSITE" -C "$S" build "${BUILD_OPTS[@]}" --no-history --out "$O/plansite-nohist"
	else
		skip nohist n/a
	fi
	if [ $HAVE_HUGO = 1 ]; then
		if H=$(hugo_site "$S" --gitinfo); then
			plan "hugogit" fresh "$O/hugo-git" hugo --quiet --source "$H" --destination "$O/hugo-git"
		else
			skip hugogit FAILED
		fi
	else
		skip hugogit missing
	fi
	measure_planned
	header
	row hist "plansite build (git HEAD)"
	row nohist "plansite build --no-history"
	row hugogit "hugo, enableGitInfo"
	[ $HAS_NO_HISTORY = 1 ] || say "  (this plansite has no --no-history: it computes no history yet)"
	say "  ratios (wall time):"
	ratio "with history / without" "${MED[hist]}" "${MED[nohist]:-}" "<= 1.5"
	ratio "plansite / hugo with git info" "${MED[hist]}" "${MED[hugogit]:-}" "<= 0.20"
	say "  every run (wall s):"
	runs_list hist "plansite build"
	runs_list nohist "--no-history"
	runs_list hugogit "hugo, enableGitInfo"
fi
