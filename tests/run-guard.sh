#!/bin/sh
# run-guard.sh: the leak guard (issue 12, point 4). Before a build's output
# is swapped in, every output file is scanned for text its audience may not
# see; a hit fails the build (E030) and publishes nothing.
#
# - PLANSITE_TEST_PLANT (honoured only by a build with -DPLANSITE_TEST_HOOKS,
#   as build/san is) puts the first hidden run of the build into one output
#   file before the guard runs: an HTML page, search-index.json, the
#   calendar, the feed and a report's PDF text. Each build must fail with
#   E030 naming that file and the hidden part's position, and leave the
#   previous output byte for byte as it was, with no staging folder.
# - `plansite report --out` the same, planted into its PDF's text.
# - A clean build of the example, public and practices, finds nothing.
# - A hidden fence that repeats a shown sentence is no hit (shared phrases).
# - A hidden decision of 3 words and one of 6 that the theme prints are hits
#   (the theme's own words are not shown text); one of 2 words is not.
# - Published versions: each guarded against its own tree (narrowed by
#   withdrawals): a sentence public in a tagged version and fenced today is
#   no hit there; planted into a page only the old version has, E030.
# - With GUARD_CORPUS=1 (slow under ASan): the 10,000-document bench corpus,
#   built public by $PLANSITE_RELEASE, finds nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# A listing of every file with its hash, to compare outputs byte for byte.
sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

site=$tmp/site
mkdir -p "$site"
cp -R "$top/site.yaml" "$top/content" "$site/"
[ -d "$top/themes" ] && cp -R "$top/themes" "$site/"
build() { # out [args...]: the example built from files, as of May 2007
	o=$1
	shift
	"$PLANSITE" -C "$site" build --today 2007-05-31 --no-history --out "$o" "$@" \
		>"$tmp/out.txt" 2>&1
}

# --- a clean build finds nothing, for both audiences
for aud in public practices; do
	if build "$tmp/clean-$aud" --audience "$aud" && ! grep -q E030 "$tmp/out.txt"; then
		ok "clean $aud build of the example: no hit"
	else
		bad "clean $aud build of the example"
		sed 's/^/     /' "$tmp/out.txt" | head -20
	fi
done

# --- planted hidden text fails the build and publishes nothing
build "$tmp/pub" || bad "first build"
sums "$tmp/pub" >"$tmp/before"
pdf=reports/2007-04/daccom-ltd-status-2007-04.pdf
for rel in index.html meetings/2007-01-17-executive/index.html search-index.json meetings.ics \
	feed.xml "$pdf"; do
	rm -rf "$PLANSITE_CACHE/builds" # no no-op rebuild: the plant is no option
	PLANSITE_TEST_PLANT=$rel build "$tmp/pub"
	rc=$?
	sums "$tmp/pub" >"$tmp/after"
	if [ $rc -eq 1 ] && grep -q "^content/[^:]*:[0-9]*:[0-9]*: error: text hidden from the public build appears in $tmp/pub/$rel (\".*\") .*\[E030\]" "$tmp/out.txt" 2>/dev/null ||
		{ [ $rc -eq 1 ] && grep "E030" "$tmp/out.txt" | grep -q -F "$tmp/pub/$rel (\""; }; then
		ok "planted into $rel: E030 at the hidden part, naming the file (exit 1)"
	else
		bad "planted into $rel (exit $rc)"
		sed 's/^/     /' "$tmp/out.txt" | head -10
	fi
	if cmp -s "$tmp/before" "$tmp/after"; then
		ok "planted into $rel: the old output byte for byte as it was"
	else
		bad "planted into $rel: the output changed"
	fi
	if ls -a "$tmp" | grep -q '^\.pub\.staging'; then
		bad "planted into $rel: a staging folder is left"
	fi
done
# the planted run is named where it was written: a file, a line, a column
PLANSITE_TEST_PLANT=index.html build "$tmp/pub"
grep -m1 E030 "$tmp/out.txt" | grep -q '^content/[a-z0-9/-]*\.md:[0-9][0-9]*:[0-9][0-9]*: error' &&
	ok "E030 names the hidden part's file:line:col" || bad "E030's position"

# --- plansite report --out: the PDF's text
"$PLANSITE" -C "$site" report 2007-04 --out "$tmp/rep" >"$tmp/out.txt" 2>&1 || bad "report"
sums "$tmp/rep" >"$tmp/before"
rm -rf "$PLANSITE_CACHE/builds"
PLANSITE_TEST_PLANT=daccom-ltd-status-2007-04.pdf "$PLANSITE" -C "$site" report 2007-04 \
	--out "$tmp/rep" >"$tmp/out.txt" 2>&1
rc=$?
sums "$tmp/rep" >"$tmp/after"
if [ $rc -eq 1 ] && grep -q 'E030' "$tmp/out.txt" && cmp -s "$tmp/before" "$tmp/after"; then
	ok "report --out, planted into its PDF's text: E030, nothing written"
else
	bad "report --out planted (exit $rc)"
	sed 's/^/     /' "$tmp/out.txt" | head -10
fi

# --- fixtures: a page with a fence, a meeting with hidden decisions
mkpage() { # name body
	printf -- '---\ntitle: Guard test page\nvisibility: public\n---\n%s\n' "$2" \
		>"$site/content/pages/$1.md"
}
shown="The committee agreed that the new clinic should open on Tuesday evenings for working patients."
mkpage guard-shared "$shown

<!-- visibility: confidential -->
$shown
<!-- /visibility -->"
# and a confidential page with strings in its front matter (read on
# another thread than the one that puts them in the table)
printf -- '---\ntitle: Guard secret page\nsummary: A summary of the secret page that nobody outside may read\nvisibility: confidential\n---\n%s\n' \
	"$shown" >"$site/content/pages/guard-secret.md"
if build "$tmp/shared" && ! grep -q E030 "$tmp/out.txt"; then
	ok "a hidden fence and a confidential page repeating a shown sentence: no hit"
else
	bad "shared phrase"
	sed 's/^/     /' "$tmp/out.txt" | head -5
fi
rm "$site/content/pages/guard-shared.md" "$site/content/pages/guard-secret.md"

# A hidden decision whose text the theme prints on a page (not shown text):
# of 3 and 6 words a hit, of 2 words not.
meeting=$site/content/meetings/2007-03-14-hot-topics.md
cp "$meeting" "$tmp/meeting.md"
decide() { # text
	cp "$tmp/meeting.md" "$meeting"
	awk -v t="$1" '{ print } /^decisions:/ && !d { print "  - { text: \"" t "\", visibility: confidential }"; d = 1 }' \
		"$tmp/meeting.md" >"$meeting"
	grep -q "$1" "$meeting" || echo "     (the fixture did not take '$1')"
}
for t in "Actions from meetings:3:1" "Add our meetings to your calendar:6:1" "Follow new:2:0"; do
	text=${t%%:*}
	n=$(echo "$t" | cut -d: -f2)
	want=$(echo "$t" | cut -d: -f3)
	decide "$text"
	build "$tmp/short"
	rc=$?
	if [ "$want" = 1 ]; then
		if [ $rc -eq 1 ] && grep E030 "$tmp/out.txt" | grep -q "^content/meetings/2007-03-14-hot-topics.md:"; then
			ok "a hidden decision of $n words that the theme prints: a hit"
		else
			bad "hidden decision of $n words (exit $rc)"
			sed 's/^/     /' "$tmp/out.txt" | head -5
		fi
	elif [ $rc -eq 0 ] && ! grep -q E030 "$tmp/out.txt"; then
		ok "a hidden decision of $n words: no hit"
	else
		bad "hidden decision of $n words (exit $rc)"
		sed 's/^/     /' "$tmp/out.txt" | head -5
	fi
done
cp "$tmp/meeting.md" "$meeting"

# A hidden sentence the output breaks with <br> (a Markdown hard line break
# is one): the words run on across it, as the Markdown reading has them, so
# it is a hit. (The theme prints it, as a leak would.)
page=$site/content/pages/guard-br.md
tpl=$site/themes/default/templates/page.mustache
printf -- '---\ntitle: Guard\nvisibility: confidential\n---\nZebra quartz harbour lantern meadow  \ncopper violin tundra marble falcon.\n' >"$page"
cp "$tpl" "$tmp/page.mustache"
echo '<p>Zebra quartz harbour lantern meadow<br />' >>"$tpl"
echo 'copper violin tundra marble falcon.</p>' >>"$tpl"
build "$tmp/br"
if [ $? -eq 1 ] && grep E030 "$tmp/out.txt" | grep -q "^content/pages/guard-br.md:5:1:"; then
	ok "hidden words across a <br> in an output: a hit"
else
	bad "hidden words across a <br> in an output"
	sed 's/^/     /' "$tmp/out.txt" | head -5
fi
cp "$tmp/page.mustache" "$tpl"
rm "$page"

# Hidden text written where the guard once did not read, or read as other
# words than a browser shows: in an attribute's value, a comment, a script
# or a style sheet, or with words cut by inline tags, soft hyphens or
# zero-width characters. The theme prints the confidential page's text so
# (as a leak would); each is a hit at the page's body (5:1), and none was
# before (the guard skipped attributes, comments, scripts and styles, and
# took <b>, &shy; and U+200B for word breaks).
page=$site/content/pages/guard-leak.md
printf -- '---\ntitle: Guard\nvisibility: confidential\n---\nZebra quartz harbour lantern meadow copper violin tundra marble falcon.\n' >"$page"
z="Zebra quartz harbour lantern meadow copper violin tundra marble falcon"
shy=$(printf '\302\255') zw=$(printf '\342\200\213')
leak_case() { # name html
	cp "$tmp/page.mustache" "$tpl"
	printf '%s\n' "$2" >>"$tpl"
	build "$tmp/leak"
	if [ $? -eq 1 ] && grep E030 "$tmp/out.txt" | grep -q "^content/pages/guard-leak.md:5:1:"; then
		ok "hidden text $1: a hit"
	else
		bad "hidden text $1"
		sed 's/^/     /' "$tmp/out.txt" | head -5
	fi
}
leak_case "in a title attribute" "<p title=\"$z\">x</p>"
leak_case "in an alt attribute (single quotes)" "<img src=\"x.png\" alt='$z'>"
leak_case "in a meta content attribute" "<meta name=\"description\" content=\"$z\">"
leak_case "in an aria-label attribute" "<nav aria-label=\"$z\"></nav>"
leak_case "in a data- attribute, with character references" "<div data-note=\"Zebra&#32;quartz harbour lantern &quot;meadow&quot; copper violin tundra\"></div>"
leak_case "in an HTML comment" "<!-- $z -->"
leak_case "in a script" "<script>var note = \"$z\";</script>"
leak_case "in a style sheet" "<style>/* $z */</style>"
leak_case "with words cut by inline tags" "<p>Zeb<b>ra</b> qua<span class=\"x\">rtz</span> harbour lan<em>tern</em> mea<!-- -->dow cop<wbr>per violin tundra</p>"
leak_case "with soft hyphens and zero-width characters" "<p>Zebra qua&shy;rtz har${shy}bour lan&#173;tern mea${zw}dow cop&#8203;per vio&zwj;lin tun&#x200b;dra</p>"
cp "$tmp/page.mustache" "$tpl"
rm "$page"

# A hidden word in a search entry's list of words (distinct words, in no
# order of the text: no runs) is a hit on its own, planted by the test hook
# (search-index.json#words); the guard once skipped the lists.
rm -rf "$PLANSITE_CACHE/builds"
PLANSITE_TEST_PLANT='search-index.json#words' build "$tmp/pub"
rc=$?
if [ $rc -eq 1 ] && grep E030 "$tmp/out.txt" | grep -q "^content/[^:]*:[0-9]*:[0-9]*: error: .*$tmp/pub/search-index.json"; then
	ok "a hidden word planted into a search entry's words: E030"
else
	bad "a hidden word planted into a search entry's words (exit $rc)"
	sed 's/^/     /' "$tmp/out.txt" | head -5
fi

# --- published versions: each guarded against its own tree, as narrowed by
# withdrawals (a sentence public in a tagged version and inside a practices
# fence today is no hit in versions/), and planted into one: E030
if command -v git >/dev/null 2>&1; then
	repo=$tmp/repo
	mkdir -p "$repo"
	cp -R "$top/site.yaml" "$top/content" "$repo/"
	[ -d "$top/themes" ] && cp -R "$top/themes" "$repo/"
	moved="The practices asked that the new referral form be tested in three surgeries before the summer."
	printf -- '---\ntitle: Guard moved\nvisibility: public\n---\n%s\n' "$moved" >"$repo/content/pages/guard-moved.md"
	printf -- '---\ntitle: Guard gone\nvisibility: public\n---\nA page of the old version only.\n' \
		>"$repo/content/pages/guard-gone.md"
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
		GIT_COMMITTER_EMAIL=t@example.org
	(cd "$repo" && git init -q -b main && git add -A &&
		GIT_AUTHOR_DATE=2007-04-28T12:00:00Z GIT_COMMITTER_DATE=2007-04-28T12:00:00Z \
			git commit -q -m "April" && git tag publish/2007-04 &&
		printf -- '---\ntitle: Guard moved\nvisibility: public\n---\nOpen text.\n\n<!-- visibility: practices -->\n%s\n<!-- /visibility -->\n' "$moved" \
			>content/pages/guard-moved.md && git rm -q content/pages/guard-gone.md &&
		GIT_AUTHOR_DATE=2007-05-10T12:00:00Z GIT_COMMITTER_DATE=2007-05-10T12:00:00Z \
			git commit -q -a -m "May") || bad "the scripted repository"
	vbuild() { # out
		rm -rf "$tmp/cache"
		XDG_CACHE_HOME=$tmp/xdg PLANSITE_CACHE=$tmp/cache \
			"$PLANSITE" -C "$repo" build --today 2007-05-31 --out "$1" >"$tmp/out.txt" 2>&1
	}
	rm -rf "$tmp/xdg" "$tmp/cache"
	if vbuild "$tmp/ver" && ! grep -q E030 "$tmp/out.txt" &&
		grep -q "referral form be tested" "$tmp/ver/versions/2007-04/guard-moved/index.html" &&
		! grep -q "referral form be tested" "$tmp/ver/guard-moved/index.html"; then
		ok "versions: a sentence public then and fenced now is no hit in the old version"
	else
		bad "versions build"
		sed 's/^/     /' "$tmp/out.txt" | head -5
	fi
	sums "$tmp/ver" >"$tmp/before"
	rm -rf "$tmp/xdg" "$tmp/cache"
	PLANSITE_TEST_PLANT=guard-gone/index.html vbuild "$tmp/ver"
	rc=$?
	sums "$tmp/ver" >"$tmp/after"
	if [ $rc -eq 1 ] && grep E030 "$tmp/out.txt" | grep -q "guard-gone/index.html" &&
		cmp -s "$tmp/before" "$tmp/after"; then
		ok "versions: planted into a page only an old version has: E030, nothing written"
	else
		bad "versions planted (exit $rc)"
		sed 's/^/     /' "$tmp/out.txt" | head -5
	fi
fi

# --- the 10,000-document corpus (release build; slow under ASan)
if [ -n "${GUARD_CORPUS:-}" ] && [ -n "${PLANSITE_RELEASE:-}" ]; then
	python3 "$top/tests/bench/gen-site.py" --docs 10000 --seed 1 --today 2026-06-30 "$tmp/corpus" \
		>/dev/null 2>&1 || bad "gen-site.py"
	"$PLANSITE_RELEASE" -C "$tmp/corpus" build --worktree --today 2026-06-30 --no-pdf \
		--no-versions --out "$tmp/corpus-out" >"$tmp/out.txt" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q E030 "$tmp/out.txt"; then
		ok "the 10,000-document corpus, public: no hit"
	else
		bad "the corpus (exit $rc, $(grep -c E030 "$tmp/out.txt") hits)"
	fi
fi

[ $fail -eq 0 ] && echo "run-guard: all passed" || echo "run-guard: $fail failed"
exit $fail
