#!/bin/sh
# run-build.sh: what `plansite build` writes, and what it must never write.
#   - golden: tests/build/golden/site built and compared byte for byte with
#     tests/build/golden/expected (UPDATE=1 rewrites it: review the diff);
#   - leaks: canaries in practices-only and confidential documents and fences
#     never reach any file of the public build; confidential ones never reach
#     the practices build either;
#   - hostile content comes out escaped, with unsafe links dropped;
#   - a build with errors writes nothing; an interrupted build leaves the
#     previous output as it was; two builds of one commit are identical.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
build() { # site out [args]
	site=$1 out=$2
	shift 2
	"$PLANSITE" -C "$site" build --worktree --today 2007-05-31 --out "$out" "$@" 2>"$tmp/err"
}

# --- golden output -------------------------------------------------------
g=$here/build/golden
# (no PDF here: its bytes depend on the fonts installed; tests/run-report.sh
# checks the PDFs)
if build "$g/site" "$tmp/golden" --no-pdf; then
	if [ "${UPDATE:-}" = 1 ]; then
		rm -rf "$g/expected" && cp -r "$tmp/golden" "$g/expected" && ok "golden rewritten"
	elif diff -r "$g/expected" "$tmp/golden" >"$tmp/diff"; then
		ok "golden output is byte for byte the same"
	else
		head -60 "$tmp/diff"
		bad "golden output differs (UPDATE=1 sh tests/run-build.sh to accept)"
	fi
else
	cat "$tmp/err"
	bad "golden site builds"
fi

# --- the example: feeds, sitemap, calendar, search index ---------------------
# Three meetings and two announced next meetings without minutes: 5 events.
if build "$top" "$tmp/example"; then
	python3 "$here/feeds-check.py" "$tmp/example" https://www.daccom.example/ 5 && ok "example feeds are valid" ||
		bad "example feeds are valid"
else
	cat "$tmp/err"
	bad "example site builds"
fi

# --- leaks -----------------------------------------------------------------
l=$here/build/leak
if build "$l" "$tmp/leak-public"; then
	if grep -r -l "CANARY" "$tmp/leak-public" >"$tmp/hits"; then
		sed 's/^/     /' "$tmp/hits"
		grep -r -o "CANARY-[A-Z-]*" "$tmp/leak-public" | sort -u | sed 's/^/     /'
		bad "public build holds no canary"
	else
		ok "public build holds no canary ($(find "$tmp/leak-public" -type f | wc -l) files)"
	fi
	[ -e "$tmp/leak-public/meetings/2007-02-01-finance" ] && bad "practices meeting has no page in the public build" ||
		ok "practices meeting has no page in the public build"
	grep -q "Public text after the fences" "$tmp/leak-public/about/index.html" && ok "text after fences is kept" ||
		bad "text after fences is kept"
	# The public calendar has the public meeting and its announced next one.
	python3 "$here/feeds-check.py" "$tmp/leak-public" https://test.example/ 2 && ok "public feeds are valid" ||
		bad "public feeds are valid"
else
	cat "$tmp/err"
	bad "leak site builds (public)"
fi
if build "$l" "$tmp/leak-practices" --audience practices; then
	if grep -r -l "CANARY-CONFIDENTIAL" "$tmp/leak-practices" >"$tmp/hits"; then
		sed 's/^/     /' "$tmp/hits"
		bad "practices build holds no confidential canary"
	else
		ok "practices build holds no confidential canary"
	fi
	for c in CANARY-PRACTICES-MEETING-BODY CANARY-PRACTICES-FENCE CANARY-PRACTICES-PAGE-BODY \
		CANARY-PRACTICES-DECISION CANARY-PRACTICES-VENUE; do
		grep -r -q "$c" "$tmp/leak-practices" || bad "practices build shows $c"
	done
	ok "practices build shows what practices may see"
else
	cat "$tmp/err"
	bad "leak site builds (practices)"
fi

# --- hostile content -------------------------------------------------------
h=$here/build/hostile
if build "$h" "$tmp/hostile"; then
	page=$tmp/hostile/hostile/index.html
	# Live markup only: in escaped text '<' is '&lt;', so these match real tags.
	live="<script>|<[a-z][^>]*[[:space:]]on[a-z]+=[\"']|(href|src)=\"[[:space:]]*(javascript|vbscript|data):"
	if grep -r -i -E "$live" "$tmp/hostile" >"$tmp/hits"; then
		sed 's/^/     /' "$tmp/hits" | head
		bad "no live script, handler or unsafe link anywhere"
	else
		ok "no live script, handler or unsafe link anywhere"
	fi
	grep -q "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" "$page" && ok "raw HTML in a body is shown as text" ||
		bad "raw HTML in a body is shown as text"
	grep -q "<title>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;" "$page" &&
		ok "a title is escaped" || bad "a title is escaped"
	grep -q "A javascript link and a shouting one" "$page" && ok "unsafe links keep their text" ||
		bad "unsafe links keep their text"
	grep -q 'href="#section-two"' "$page" && ok "anchors are kept" || bad "anchors are kept"
else
	cat "$tmp/err"
	bad "hostile site builds"
fi

# --- a build with errors writes nothing ------------------------------------
# (into an output of plansite's: any other folder is refused before the
# check, tests/run-output.sh)
build "$here/sites/valid-minimal" "$tmp/untouched" && cp -r "$tmp/untouched" "$tmp/untouched-before"
if build "$here/sites/e010-unknown-person" "$tmp/untouched"; then
	bad "a site with errors fails to build"
else
	[ "$(cat "$tmp/err" | grep -c E010)" -gt 0 ] && diff -r "$tmp/untouched-before" "$tmp/untouched" >/dev/null &&
		[ -z "$(ls -A "$tmp" | grep -e staging -e lock)" ] &&
		ok "a build with errors writes nothing" || bad "a build with errors writes nothing"
fi

# --- interrupted build -------------------------------------------------------
# A site big enough that a build takes a while; kill it mid-way, many times.
big=$tmp/big
cp -r "$here/sites/valid-minimal" "$big" && rm -f "$big/expected"
i=0
while [ $i -lt 1500 ]; do
	d=$(printf '2006-%02d-%02d' $((i % 12 + 1)) $((i % 28 + 1)))
	f="$big/content/meetings/$d-m$i.md"
	{
		echo "---"
		echo "title: Meeting $i"
		echo "date: $d"
		echo 'start: "10:00"'
		echo 'end: "11:00"'
		echo "venue: Room $i"
		echo "visibility: public"
		echo "attendees: [alee]"
		echo "---"
		j=0
		while [ $j -lt 20 ]; do echo "Paragraph $j of meeting $i, with *emphasis*, ~~struck~~ words, www.example.org and a [link](../projects/alpha.md)."; echo; j=$((j + 1)); done
	} >"$f"
	i=$((i + 1))
done
if build "$big" "$tmp/out"; then
	cp -r "$tmp/out" "$tmp/before"
	killed=0
	for delay in 0.05 0.1 0.2 0.3 0.5; do
		# forget the last build, or this one is a no-op (reuse.c) with nothing to kill
		rm -rf "$PLANSITE_CACHE"
		"$PLANSITE" -C "$big" build --worktree --today 2007-05-31 --out "$tmp/out" 2>/dev/null &
		pid=$!
		sleep $delay
		kill -9 $pid 2>/dev/null && killed=$((killed + 1))
		wait $pid 2>/dev/null
		if ! diff -r -q "$tmp/before" "$tmp/out" >/dev/null; then
			bad "output intact after a kill at ${delay}s"
		fi
	done
	ok "output intact after $killed builds killed mid-way"
	build "$big" "$tmp/out" && [ -z "$(ls -A "$tmp" | grep staging)" ] &&
		ok "the next build removes what killed builds left" || bad "the next build removes what killed builds left"
	# cmark-gfm's extensions share one table of characters across threads
	# (markdown.c): a parse on one thread must not lose them for another
	missing=$(grep -L -e '<del>struck</del>' "$tmp"/out/meetings/*-m*/index.html | wc -l)
	nolink=$(grep -L -e 'href="http://www.example.org"' "$tmp"/out/meetings/*-m*/index.html | wc -l)
	[ "$missing" = 0 ] && [ "$nolink" = 0 ] &&
		ok "strikethrough and autolinks on every page of a parallel build" ||
		bad "strikethrough and autolinks on every page of a parallel build ($missing, $nolink pages without)"
	# --- reproducible ------------------------------------------------------------
	# ... also when one runs on every core and the other on one.
	PLANSITE_JOBS=1 build "$big" "$tmp/again" && diff -r -q "$tmp/out" "$tmp/again" >/dev/null &&
		ok "two builds are byte-identical (one single-threaded)" ||
		bad "two builds are byte-identical (one single-threaded)"
	cp -r "$big" "$tmp/bigbad"
	sed -i 's/attendees: \[alee\]/attendees: [alex]/' "$tmp/bigbad"/content/meetings/*-m1*.md
	PLANSITE_JOBS=1 "$PLANSITE" -C "$tmp/bigbad" check --worktree --today 2007-05-31 --format json >"$tmp/c1" 2>/dev/null
	PLANSITE_JOBS=2 "$PLANSITE" -C "$tmp/bigbad" check --worktree --today 2007-05-31 --format json >"$tmp/c2" 2>/dev/null
	[ "$(wc -l <"$tmp/c1")" -gt 100 ] && cmp -s "$tmp/c1" "$tmp/c2" &&
		ok "findings do not depend on the number of threads ($(wc -l <"$tmp/c1") findings)" ||
		bad "findings do not depend on the number of threads"
else
	cat "$tmp/err"
	bad "big site builds"
fi

echo "build: $fail failed"
[ "$fail" = 0 ]
