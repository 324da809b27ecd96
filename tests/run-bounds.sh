#!/bin/sh
# run-bounds.sh: bounded cost and limits (issue 12, points 7 and 8), beyond
# the fixture sites (tests/sites/e027-*, e042-*, e002-*, e001-merge-key):
#   - a report whose narrative is empty builds and reports under UBSan;
#   - each limit at its boundary where a fixture cannot show both sides:
#     limits.documents N passes where N - 1 failed; a name over 255 bytes
#     and a path over 1,024, committed to git, with the default limits;
#   - a template stopped at a limit gives the same finding on 1 and on 4
#     threads, and a fan-out theme with the default limits stops with small
#     memory (its peak RSS, from GNU time);
#   - cost: instructions counted by callgrind on the release build
#     ($PLANSITE_RELEASE, default generator/plansite) at three sizes must
#     grow linearly: YAML front matter with one long line (the fast path and
#     libyaml's), with many keys, a line of decisions with links, and a
#     template render up to its expansion limit; Markdown bodies of many headings, links, reference links,
#     stray fences and nested lists. Never a time;
#   - a 10 MB line of Markdown builds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
: "${PLANSITE_RELEASE:=$top/generator/plansite}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
minimal=$here/sites/valid-minimal
# site NAME: a fresh copy of the minimal valid site in $tmp/NAME (outside git)
site() {
	rm -rf "${tmp:?}/$1"
	cp -r "$minimal" "$tmp/$1"
	rm -rf "$PLANSITE_CACHE" "$tmp/$1/expected"
}
# fan_out SITE DEPTH: the site's status partial includes a1, each aN the
# next twice, down to a leaf 'x': 2^(DEPTH-1) leaves.
fan_out() {
	ft=$1/themes/default/templates
	mkdir -p "$ft"
	rm -f "$ft"/a*.mustache
	printf '{{>a1}}' >"$ft/status.mustache"
	i=1
	while [ "$i" -lt "$2" ]; do
		printf '{{>a%d}}{{>a%d}}\n' $((i + 1)) $((i + 1)) >"$ft/a$i.mustache"
		i=$((i + 1))
	done
	printf 'x' >"$ft/a$2.mustache"
}
check() { # dir [args]: findings in $tmp/err, the exit status returned
	d=$1
	shift
	"$PLANSITE" -C "$d" check --worktree --today 2007-05-31 "$@" >/dev/null 2>"$tmp/err"
}

# --- the empty report narrative ----------------------------------------------
# A report with only its front matter once passed NULL to memcpy (UBSan);
# this binary runs under UBSan, which aborts on it.
for form in newline none; do
	site empty
	if [ $form = newline ]; then
		printf -- '---\ntitle: Programme status report\nmonth: "2007-04"\n---\n' >"$tmp/empty/content/reports/2007-04.md"
	else
		printf -- '---\ntitle: Programme status report\nmonth: "2007-04"\n---' >"$tmp/empty/content/reports/2007-04.md"
	fi
	if "$PLANSITE" -C "$tmp/empty" build --worktree --today 2007-05-31 --out "$tmp/empty-out" 2>"$tmp/err" &&
		[ -s "$tmp/empty-out/reports/2007-04/testgroup-ltd-status-2007-04.pdf" ] &&
		"$PLANSITE" -C "$tmp/empty" report 2007-04 --worktree --out "$tmp/empty-report" 2>>"$tmp/err" &&
		[ -s "$tmp/empty-report/index.html" ]; then
		ok "a report with an empty narrative ($form after the front matter) builds, PDF included"
	else
		tail -5 "$tmp/err"
		bad "a report with an empty narrative ($form after the front matter) builds"
	fi
	rm -rf "$tmp/empty-out" "$tmp/empty-report"
done

# --- limits.documents at its boundary (e027-documents: 8 files, limit 7) --------
site docs
n=$(find "$tmp/docs/content" -type f | wc -l)
printf 'limits:\n  documents: %s\n' "$n" >>"$tmp/docs/site.yaml"
if check "$tmp/docs"; then
	ok "limits.documents $n with $n files under content/ passes"
else
	cat "$tmp/err"
	bad "limits.documents $n with $n files under content/ passes"
fi
printf -- '---\ntitle: One more\n---\nText.\n' >"$tmp/docs/content/pages/more.md"
check "$tmp/docs"
if grep -q "^content: error: $((n + 1)) files under content/, over the limit of $n (limits.documents); none is loaded" "$tmp/err"; then
	ok "one file more is E027"
else
	cat "$tmp/err"
	bad "one file more is E027"
fi

# --- the default name and path limits, from git -------------------------------
# No file system here takes a name over 255 bytes, but a git tree does: a
# 255-byte name and a 1,024-byte path pass, one byte more is E027.
site git
g=$tmp/git
deep=content/pages
for i in 1 2 3 4 5; do deep=$deep/$(python3 -c "print('d' * 200)"); done # 1,018 bytes
(
	cd "$g" && git init -q && git config user.email t@example.org && git config user.name T &&
		git add -A && git commit -q -m site &&
		blob=$(git rev-parse HEAD:content/pages/about.md) &&
		git update-index --add --cacheinfo "100644,$blob,content/pages/$(python3 -c "print('m' * 252)").md" &&
		git update-index --add --cacheinfo "100644,$blob,$deep/xy.md" &&
		git commit -q -m "at the limits"
) || bad "git repository with long names"
"$PLANSITE" -C "$g" check --today 2007-05-31 >/dev/null 2>"$tmp/err"
if ! grep -q "E027" "$tmp/err"; then
	ok "a 255-byte name and a 1,024-byte path committed to git pass"
else
	cut -c1-200 "$tmp/err"
	bad "a 255-byte name and a 1,024-byte path committed to git pass"
fi
(cd "$g" && blob=$(git rev-parse HEAD:content/pages/about.md) &&
	git update-index --add --cacheinfo "100644,$blob,content/pages/$(python3 -c "print('n' * 253)").md" &&
	git update-index --add --cacheinfo "100644,$blob,$deep/xyz.md" && git commit -q -m "past the limits")
"$PLANSITE" -C "$g" check --today 2007-05-31 >/dev/null 2>"$tmp/err"
if grep -q "^content/pages/nnnn*\.md: error: name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\.\.\.' is 256 bytes long, over the limit of 255 (limits.name_bytes); give it a shorter name \[E027\]$" "$tmp/err" &&
	grep -q "/xyz.md: error: path is 1025 bytes long, over the limit of 1024 (limits.path_bytes); use shorter folder and file names \[E027\]$" "$tmp/err" &&
	[ "$(grep -c E027 "$tmp/err")" = 2 ]; then
	ok "a 256-byte name and a 1,025-byte path committed to git are E027, each named"
else
	cut -c1-200 "$tmp/err"
	bad "a 256-byte name and a 1,025-byte path committed to git are E027, each named"
fi

# --- template limits: the same finding on any number of threads -----------------
e=$here/sites/e042-template-expansions
for jobs in 1 4 4 4; do
	PLANSITE_JOBS=$jobs "$PLANSITE" -C "$e" build --worktree --today 2007-05-31 --out "$tmp/e042" 2>"$tmp/err-$jobs"
	echo "exit: $?" >>"$tmp/err-$jobs"
	if cmp -s "$tmp/err-$jobs" "$e/expected" && [ ! -e "$tmp/e042" ]; then
		ok "template stopped at its limit: the same finding, nothing written ($jobs threads)"
	else
		diff "$e/expected" "$tmp/err-$jobs" | head -5
		bad "template stopped at its limit: the same finding, nothing written ($jobs threads)"
	fi
done

# A theme whose partials fan out (each including the next twice, 40 deep:
# 2^40 leaves) with the default limits: it grew to 23 GB before it was
# killed; now it stops at 20,000,000 expansions with small memory (the
# sanitizer build's own overhead is about 100 MB).
site fan
fan_out "$tmp/fan" 40
PLANSITE_JOBS=1 /usr/bin/time -f %M -o "$tmp/rss" "$PLANSITE" -C "$tmp/fan" build --worktree --today 2007-05-31 --out "$tmp/fan-out" 2>"$tmp/err"
rss=$(tail -1 "$tmp/rss")
if grep -q "a39.mustache:1:9: error: template 'home' makes more than 20000000 expansions" "$tmp/err" &&
	[ ! -e "$tmp/fan-out" ] && [ "$rss" -lt 400000 ]; then
	ok "a 40-deep fan-out stops at the default limit (peak RSS $((rss / 1024)) MiB, nothing written)"
else
	cat "$tmp/err"
	bad "a 40-deep fan-out stops at the default limit (peak RSS ${rss} KiB)"
fi

# --- cost: instructions, at three sizes ---------------------------------------
# instr SITE ARGS...: the instructions the release build executes.
instr() {
	d=$1
	shift
	PLANSITE_JOBS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$PLANSITE_RELEASE" -C "$d" "$@" >/dev/null 2>"$tmp/vg"
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/vg"
}
# linear NAME I1 I2 I3: sizes N, 4N, 16N; the growth from 4N to 16N over
# that from N to 4N is 4 when the cost is linear (a constant cancels out).
linear() {
	if [ -z "$2" ] || [ -z "$3" ] || [ -z "$4" ]; then
		tail -5 "$tmp/vg"
		bad "$1: instructions counted"
		return
	fi
	r=$(python3 -c "print(round(($4 - $3) / ($3 - $2), 2))")
	if python3 -c "import sys; sys.exit(0 if 3.2 <= $r <= 5.0 else 1)"; then
		ok "$1: linear (growth ratio $r for 4 times the size; $2, $3, $4 instructions)"
	else
		bad "$1: not linear (growth ratio $r for 4 times the size, want 4; $2, $3, $4 instructions)"
	fi
}
if ! command -v valgrind >/dev/null 2>&1; then
	bad "valgrind is installed (generator/deps.sh test)"
elif [ ! -x "$PLANSITE_RELEASE" ]; then
	bad "the release build $PLANSITE_RELEASE exists (make generator/plansite)"
else
	# one long line of front matter: plain (yaml.c's fast path), then with an
	# escape (libyaml's path)
	for path in fast libyaml; do
		v=""
		for k in 16384 65536 262144; do
			site "cost-$path-$k"
			python3 - "$tmp/cost-$path-$k/content/pages/long.md" $k $path <<'EOF'
import sys
path, k, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
value = ("word " * (k // 5)).strip()
summary = value if kind == "fast" else '"\\"' + value + '"'
open(path, "w").write("---\ntitle: Long\nsummary: " + summary + "\n---\nText.\n")
EOF
			v="$v $(instr "$tmp/cost-$path-$k" check --worktree --today 2007-05-31)"
		done
		# shellcheck disable=SC2086
		linear "a long front-matter line ($path path)" $v
	done
	# many keys (each a W005 unknown field, with its suggestion)
	v=""
	for k in 500 2000 8000; do
		site "cost-keys-$k"
		python3 - "$tmp/cost-keys-$k/content/pages/keys.md" $k <<'EOF'
import sys
path, k = sys.argv[1], int(sys.argv[2])
open(path, "w").write("---\ntitle: Keys\n" + "".join("k%d: v%d\n" % (i, i) for i in range(k)) + "---\nText.\n")
EOF
		v="$v $(instr "$tmp/cost-keys-$k" check --worktree --today 2007-05-31)"
	done
	# shellcheck disable=SC2086
	linear "front matter of many keys" $v
	# nesting past yaml_depth: read once, the parse stopped at depth 65
	v=""
	for k in 16384 65536 262144; do
		site "cost-deep-$k"
		python3 -c "import sys; open(sys.argv[1], 'w').write('---\ntitle: Deep\nx: ' + '[' * $k + ']' * $k + '\n---\nText.\n')" \
			"$tmp/cost-deep-$k/content/pages/deep.md"
		v="$v $(instr "$tmp/cost-deep-$k" check --worktree --today 2007-05-31)"
	done
	# shellcheck disable=SC2086
	linear "front matter nested 16,384 to 262,144 deep" $v
	# aliases that each name the one before nine times ("billion laughs"):
	# 10 and 40 levels cost the same, stopped at yaml_nodes
	v=""
	for k in 10 40; do
		site "cost-lol-$k"
		python3 - "$tmp/cost-lol-$k/content/pages/lol.md" $k <<'EOF2'
import sys
path, k = sys.argv[1], int(sys.argv[2])
lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
lines += ["a%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 9)) for i in range(1, k)]
open(path, "w").write("---\ntitle: Lol\n" + "\n".join(lines) + "\n---\nText.\n")
EOF2
		v="$v $(instr "$tmp/cost-lol-$k" check --worktree --today 2007-05-31)"
	done
	# shellcheck disable=SC2086
	set -- $v
	if [ -n "${2:-}" ] && [ "$2" -lt $(($1 + $1 / 10)) ] && grep -q "past the limit of 100000 nodes.*E003" "$tmp/vg"; then
		ok "aliases 10 and 40 levels deep stop at the node limit alike ($1, $2 instructions)"
	else
		bad "aliases 10 and 40 levels deep stop at the node limit alike (${1:-?}, ${2:-?} instructions)"
	fi
	# a meeting's decisions on one line, each with links (checked as a
	# body's, each at its place in the line): positions counted on along
	# the line, not from its start for each
	v=""
	for k in 1000 4000 16000; do
		site "cost-fmlinks-$k"
		python3 - "$tmp/cost-fmlinks-$k/content/meetings/2007-01-17-executive.md" $k <<'EOF2'
import sys
path, k = sys.argv[1], int(sys.argv[2])
decisions = ", ".join('"See [d%d](../pages/about.md) and [w](#1-alpha)"' % i for i in range(k))
open(path, "w").write("""---
title: Executive committee
date: 2007-01-17
start: "13:00"
end: "14:15"
venue: North Surgery
attendees: [alee, bkhan]
decisions: [%s]
---
## 1. Alpha

Text.
""" % decisions)
EOF2
		v="$v $(instr "$tmp/cost-fmlinks-$k" check --worktree --today 2007-05-31)"
	done
	# shellcheck disable=SC2086
	linear "a line of 1,000 to 16,000 decisions with links" $v
	# a template rendered up to its expansion limit
	v=""
	for k in 20000 80000 320000; do
		rm -rf "$tmp/cost-tpl"
		cp -r "$here/sites/e042-template-expansions" "$tmp/cost-tpl"
		rm -rf "$PLANSITE_CACHE"
		fan_out "$tmp/cost-tpl" 30
		sed -i "s/template_expansions: .*/template_expansions: $k/" "$tmp/cost-tpl/site.yaml"
		v="$v $(instr "$tmp/cost-tpl" build --worktree --today 2007-05-31 --no-pdf --out "$tmp/cost-out")"
	done
	# shellcheck disable=SC2086
	linear "a template's render up to its expansion limit" $v
	# Markdown bodies, in a build (the scan and the render both give ids):
	# headings all alike; one paragraph of links on one line; reference
	# links, whose urls are not in the text; comments near 'visibility' in
	# a list (each an E022); quotes nested past the depth limit.
	for kind in headings links refs strays nested; do
		v=""
		for k in 1000 4000 16000; do
			site "cost-$kind-$k"
			python3 - "$tmp/cost-$kind-$k/content/pages/big.md" $k $kind <<'EOF2'
import sys
path, k, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == "headings":
    body = "# a\n\n" * k
elif kind == "links":
    body = " ".join("[l%d](http://example.org/%d)" % (i, i) for i in range(k)) + "\n"
elif kind == "refs":
    body = " ".join("[l%d][r]" % i for i in range(k)) + "\n\n[r]: http://example.org/\n"
elif kind == "strays":
    body = "".join("- <!-- visibility: practices --> %d\n" % i for i in range(k))
else:
    body = ">" * (k // 4) + " x\n\n" + "text\n" * k
open(path, "w").write("---\ntitle: Big\n---\n" + body)
EOF2
			v="$v $(instr "$tmp/cost-$kind-$k" build --worktree --today 2007-05-31 --no-pdf --out "$tmp/cost-out")"
		done
		# shellcheck disable=SC2086
		linear "a body of 1,000 to 16,000 $kind" $v
	done
	grep -q "big.md:4:1: error: the body nests lists and quotes .* deep, more than the limit of 100; flatten it \[E027\]" "$tmp/vg" &&
		ok "quotes nested past the limit: E027 at the body's first line" ||
		bad "quotes nested past the limit: E027 at the body's first line"
fi

# A 10 MB line (it once overran the Markdown arena): read, checked, built,
# under the sanitizers.
site long-line
python3 -c "import sys; open(sys.argv[1], 'w').write('---\ntitle: Long\n---\n' + 'word ' * 2000000 + '\n')" \
	"$tmp/long-line/content/pages/long.md"
if "$PLANSITE" -C "$tmp/long-line" build --worktree --today 2007-05-31 --no-pdf --out "$tmp/long-out" 2>"$tmp/err" &&
	[ "$(wc -c <"$tmp/long-out/long/index.html")" -gt 10000000 ]; then
	ok "a page of one 10 MB line builds (W006, no crash)"
else
	tail -3 "$tmp/err"
	bad "a page of one 10 MB line builds"
fi
rm -rf "$tmp/long-out"

echo "bounds: $fail failed"
[ "$fail" = 0 ]
