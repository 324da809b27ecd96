#!/bin/sh
# run-cache.sh: the cache (issue 12, points 6 and 9).
#   Where it is, and that it cannot be a way in:
#   - outside the work tree: $XDG_CACHE_HOME/plansite/<site>-<key> (else
#     ~/.cache/plansite/...), one per repository and site path; --cache DIR
#     and PLANSITE_CACHE override it; nothing is written into the site;
#   - a .plansite-cache/ committed into the repository (git add -f),
#     poisoned with canaries, is never read; a symbolic link to a host file
#     in the old place or in the cache (a PDF, a version's folder) is never
#     followed, never published;
#   - a cache that cannot be used (a symbolic link, a file where the folder
#     should be, another user's) gives W012 and a temporary cache: exit 0,
#     and the output is a fresh build's.
#   Caches never outlive what made them (point 9):
#   - another plansite (the executable with a byte more) renders every
#     version, PDF and history again; other fonts (FONTCONFIG_FILE) make the
#     PDFs again, into a new folder or into one whose no-op record was
#     made with the first fonts; a shallow clone deepened renders its
#     versions again;
#   - a version left out for a one-off read failure (W011: a loose object
#     moved away for one build) is not remembered: the next build is a full
#     one and publishes it;
#   - damaged entries (a version's file missing, emptied or changed, a PDF
#     cut short or emptied, the history or a build record cut short) are
#     made again, never copied into the output;
#   - 20 pairs of builds at once sharing one cache (and one output, or two)
#     all exit 0 and leave what a fresh build leaves.
# Every case is checked against a fresh build into an empty folder with an
# empty cache (diff -r).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
tmp=$(mktemp -d)
tmp=$(cd "$tmp" && pwd -P)
[ -n "${KEEP:-}" ] && echo "keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
export TZ=UTC
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# check NAME COND...: ok when the command succeeds
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# nowhere DIR TEXT NAME: no file under DIR holds TEXT (PDFs uncompressed by grep -a)
nowhere() { if grep -r -a -q -F -- "$2" "$1" 2>/dev/null; then bad "$3"; grep -r -a -l -F -- "$2" "$1" | head -3 | sed 's/^/     /'; else ok "$3"; fi; }

g() { git -C "$repo" -c user.name=t -c user.email=t@example.org "$@"; }
commit() { # DATE MESSAGE
	GIT_AUTHOR_DATE="$1T12:00:00+0000" GIT_COMMITTER_DATE="$1T12:00:00+0000" g commit -q -m "$2"
}

# A site in git: the golden site, a published version, a later edit.
repo=$tmp/repo
cp -r "$here/build/golden/site" "$repo"
rm -rf "$repo/.plansite-cache" # an old plansite's, in a checkout that ran one
git -C "$repo" init -q -b main
g add -A
commit 2007-04-20 "The site"
g tag publish/2007-04
printf '\nA later paragraph.\n' >>"$repo/content/pages/about.md"
g add -A
commit 2007-05-02 "Edit about"

# fresh NAME [plansite args...]: a build of $repo with an empty cache into
# an empty folder, the oracle, at $tmp/fresh-NAME
fresh() {
	name=$1
	shift
	rm -rf "$tmp/fresh-$name" "$tmp/fresh-cache"
	PLANSITE_CACHE="$tmp/fresh-cache" "$PLANSITE" -C "$repo" build --out "$tmp/fresh-$name" "$@" \
		>/dev/null 2>"$tmp/fresh.err" || { bad "fresh build $name"; cat "$tmp/fresh.err"; }
	rm -rf "$tmp/fresh-cache"
}
# same NAME OUT ORACLE: OUT is byte for byte the oracle
same() {
	if diff -r "$2" "$3" >"$tmp/diff" 2>&1; then ok "$1"; else bad "$1"; head -10 "$tmp/diff" | sed 's/^/     /'; fi
}
fresh main

# --- where the cache is ----------------------------------------------------------
run_default() { # OUT, with the environment given before it
	"$PLANSITE" -C "$repo" build --out "$1" >/dev/null 2>"$tmp/err"
}
(unset PLANSITE_CACHE; XDG_CACHE_HOME=$tmp/xdg HOME=$tmp/home run_default "$tmp/o-xdg") &&
	ok "a build with XDG_CACHE_HOME set" || bad "a build with XDG_CACHE_HOME set"
xdg=$(ls -d "$tmp"/xdg/plansite/repo-* 2>/dev/null)
check "the cache is \$XDG_CACHE_HOME/plansite/repo-<key>" test -n "$xdg" -a -f "$xdg/history" -a -d "$xdg/versions"
check "... and nothing is in ~/.cache then" test ! -e "$tmp/home/.cache"
(unset PLANSITE_CACHE XDG_CACHE_HOME; HOME=$tmp/home run_default "$tmp/o-home") &&
	ok "a build with only HOME" || bad "a build with only HOME"
home=$(ls -d "$tmp"/home/.cache/plansite/repo-* 2>/dev/null)
check "without XDG_CACHE_HOME it is ~/.cache/plansite/repo-<key>" test -n "$home" -a -f "$home/history"
check "one key for one repository and site" test "$(basename "$xdg")" = "$(basename "$home")"
check "nothing is written into the site" test ! -e "$repo/.plansite-cache" -a -z "$(g status --porcelain --ignored)"
same "the output of a default-cache build is a fresh build's" "$tmp/o-xdg" "$tmp/fresh-main"
# a second site in the same repository has a cache of its own
mkdir -p "$repo/sub"
cp -r "$here/build/golden/site/." "$repo/sub/"
g add -A
commit 2007-05-03 "A second site"
(unset PLANSITE_CACHE; XDG_CACHE_HOME=$tmp/xdg "$PLANSITE" -C "$repo/sub" build --out "$tmp/o-sub" >/dev/null 2>&1)
check "another site of the repository has another cache" test "$(ls -d "$tmp"/xdg/plansite/sub-* 2>/dev/null | wc -l)" = 1
g rm -q -r sub
commit 2007-05-04 "No second site"
fresh main
# PLANSITE_CACHE over XDG_CACHE_HOME, --cache over both
(XDG_CACHE_HOME=$tmp/xdg2 PLANSITE_CACHE=$tmp/pc run_default "$tmp/o-pc")
check "PLANSITE_CACHE names the cache folder itself" test -f "$tmp/pc/history" -a ! -e "$tmp/xdg2"
(XDG_CACHE_HOME=$tmp/xdg2 PLANSITE_CACHE=$tmp/pc2 "$PLANSITE" -C "$repo" build --cache "$tmp/given" --out "$tmp/o-given" >/dev/null 2>&1)
check "--cache DIR wins over PLANSITE_CACHE and XDG_CACHE_HOME" test -f "$tmp/given/history" -a ! -e "$tmp/pc2" -a ! -e "$tmp/xdg2"
"$PLANSITE" -C "$repo" report 2007-04 --cache "$tmp/given-r" --out "$tmp/o-rep" >/dev/null 2>&1
check "report takes --cache (its PDF kept there)" test -n "$(ls "$tmp/given-r/pdf/" 2>/dev/null)"
"$PLANSITE" -C "$repo" changes publish/2007-04 main --cache "$tmp/given-c" >/dev/null 2>&1
check "changes takes --cache (the history walk kept there)" test -f "$tmp/given-c/history"
"$PLANSITE" --help | grep -q -- "--cache DIR" && ok "--help names --cache" || bad "--help names --cache"

# --- a committed .plansite-cache is never read --------------------------------------
# It is the cache of a real build, every file then replaced by a canary.
rm -rf "$PLANSITE_CACHE"
"$PLANSITE" -C "$repo" build --out "$tmp/o1" >/dev/null 2>&1
cp -r "$PLANSITE_CACHE" "$repo/.plansite-cache"
rm -f "$repo/.plansite-cache/.gitignore" "$repo/.plansite-cache/lock"
find "$repo/.plansite-cache" -type f | while read -r f; do
	printf '%%PDF-1.4 POISONCANARY %s\n' "$f" >"$f"
done
g add -f .plansite-cache
commit 2007-05-05 "An editor commits a poisoned cache"
rm -rf "$repo/.plansite-cache"
g checkout -q -- .
fresh main
rm -rf "$PLANSITE_CACHE"
"$PLANSITE" -C "$repo" build --out "$tmp/o2" >/dev/null 2>"$tmp/err"
check "a build with a committed .plansite-cache exits 0" test $? = 0
nowhere "$tmp/o2" POISONCANARY "nothing of the committed cache is published"
same "... the output is a fresh build's" "$tmp/o2" "$tmp/fresh-main"

# --- links to host files are never followed ----------------------------------------
echo "HOSTSECRET: a file of the host's" >"$tmp/host-secret"
mkdir -p "$tmp/host-folder"
echo "HOSTSECRET: in a folder of the host's" >"$tmp/host-folder/index.html"
pdfs=$(cd "$PLANSITE_CACHE/pdf" && ls)
# in the old place, by the name the old cache used
mkdir -p "$repo/.plansite-cache/pdf"
for p in $pdfs; do ln -sf "$tmp/host-secret" "$repo/.plansite-cache/pdf/$p"; done
# and in the cache: its PDFs, and a version's folder
for p in $pdfs; do rm "$PLANSITE_CACHE/pdf/$p" && ln -s "$tmp/host-secret" "$PLANSITE_CACHE/pdf/$p"; done
for v in "$PLANSITE_CACHE"/versions/v-*; do
	cp "$v/.plansite-key" "$tmp/host-folder/.plansite-key"
	rm -rf "$v" && ln -s "$tmp/host-folder" "$v"
done
"$PLANSITE" -C "$repo" build --out "$tmp/o3" >/dev/null 2>"$tmp/err"
st=$?
check "a build with links in the cache exits 0" test $st = 0
nowhere "$tmp/o3" HOSTSECRET "no host file is published through a link in the cache or the old place"
same "... the output is a fresh build's" "$tmp/o3" "$tmp/fresh-main"
check "the host's files are untouched" test "$(cat "$tmp/host-secret")" = "HOSTSECRET: a file of the host's" -a -f "$tmp/host-folder/index.html"
rm -rf "$repo/.plansite-cache"

# --- an unusable cache: W012, a temporary one, exit 0 --------------------------------
# unusable NAME: a build with the cache $PLANSITE_CACHE as the case left it
unusable() {
	rm -rf "$tmp/o4" "$tmp/tmpdir"
	mkdir -p "$tmp/tmpdir"
	TMPDIR=$tmp/tmpdir "$PLANSITE" -C "$repo" build --out "$tmp/o4" >/dev/null 2>"$tmp/err"
	st=$?
	if [ $st = 0 ] && grep -q "warning: cannot use the cache folder .*a temporary one is used.*\[W012\]" "$tmp/err"; then
		ok "$1: W012, exit 0"
	else
		bad "$1: W012, exit 0 (exit $st)"
		sed 's/^/     /' "$tmp/err"
	fi
	same "$1: the output is a fresh build's" "$tmp/o4" "$tmp/fresh-main"
	check "$1: the temporary cache is removed" test -z "$(ls -A "$tmp/tmpdir")"
}
rm -rf "$PLANSITE_CACHE"
mkdir -p "$tmp/real-cache"
ln -s "$tmp/real-cache" "$PLANSITE_CACHE"
unusable "a cache folder that is a symbolic link"
check "... nothing is written where the link points" test -z "$(ls -A "$tmp/real-cache")"
rm -f "$PLANSITE_CACHE"
echo "a file" >"$PLANSITE_CACHE"
unusable "a file where the cache folder should be"
rm -f "$PLANSITE_CACHE"
if [ "$(id -u)" = 0 ]; then
	mkdir "$PLANSITE_CACHE" && chown 65534 "$PLANSITE_CACHE"
	unusable "a cache folder of another user's"
else
	mkdir "$PLANSITE_CACHE" && chmod 555 "$PLANSITE_CACHE"
	unusable "a cache folder that cannot be written"
	chmod 755 "$PLANSITE_CACHE"
fi
rm -rf "$PLANSITE_CACHE"
mkdir "$PLANSITE_CACHE" && chmod 777 "$PLANSITE_CACHE"
unusable "a cache folder anyone may write"
rm -rf "$PLANSITE_CACHE"
# no cache at all (nor a temporary one): published versions cannot be
# made, an I/O failure, exit status 3
echo "a file" >"$PLANSITE_CACHE"
echo "a file" >"$tmp/tmpfile"
TMPDIR=$tmp/tmpfile "$PLANSITE" -C "$repo" build --out "$tmp/o5" >/dev/null 2>"$tmp/err"
st=$?
check "no cache and no temporary one: W012, then E026 for the versions, exit 3" \
	sh -c "[ $st = 3 ] && grep -q 'nor a temporary one.*W012' '$tmp/err' && grep -q 'published versions need a cache folder.*E026' '$tmp/err'"
check "... and nothing is published" test ! -e "$tmp/o5"
rm -f "$PLANSITE_CACHE"

# --- another plansite: nothing it made is reused ----------------------------------
rm -rf "$PLANSITE_CACHE"
"$PLANSITE" -C "$repo" build --out "$tmp/u1" >/dev/null 2>&1
npdf=$(ls "$PLANSITE_CACHE/pdf" | wc -l)
cp "$PLANSITE" "$tmp/plansite-next"
printf 'x' >>"$tmp/plansite-next" # an upgrade: other bytes
"$tmp/plansite-next" -C "$repo" build --out "$tmp/u2" --verbose >/dev/null 2>"$tmp/err"
check "another plansite renders the version again" grep -q "plansite: version publish/2007-04: rendered into the cache" "$tmp/err"
check "... reads history again" grep -q "plansite: history: [0-9]* commits, 0 from the cache" "$tmp/err"
check "... and makes the PDF again" test "$(ls "$PLANSITE_CACHE/pdf" | wc -l)" -gt "$npdf"
same "... the output is a fresh build's" "$tmp/u2" "$tmp/fresh-main"
check "... and its entry replaces the other plansite's (one a version)" test "$(ls "$PLANSITE_CACHE/versions" | grep -c '^v-')" = 1

# --- other fonts: the PDFs are made again ---------------------------------------------
mkdir -p "$tmp/fonts"
cp /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf /usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf "$tmp/fonts/"
printf '%s\n' '<?xml version="1.0"?>' '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">' '<fontconfig>' \
	"  <dir>$tmp/fonts</dir>" "  <cachedir>$tmp/fc-cache</cachedir>" '</fontconfig>' >"$tmp/fonts.conf"
FONTCONFIG_FILE=$tmp/fonts.conf fc-list >/dev/null 2>&1 # its cache made before the builds
FONTCONFIG_FILE=$tmp/fonts.conf fresh fonts
FONTCONFIG_FILE=$tmp/fonts.conf "$PLANSITE" -C "$repo" build --out "$tmp/f1" >/dev/null 2>&1
same "other fonts: the PDF is made again (a fresh build's)" "$tmp/f1" "$tmp/fresh-fonts"
pdf=reports/2007-04/testgroup-ltd-status-2007-04.pdf
check "... and it is not the PDF of the first fonts" sh -c "! cmp -s '$tmp/f1/$pdf' '$tmp/fresh-main/$pdf'"
# the same output folder: its no-op record is keyed by the fonts as the PDF
# cache is, so the build into it is a full one and the PDF is the new fonts'
rm -rf "$tmp/f2"
"$PLANSITE" -C "$repo" build --out "$tmp/f2" >/dev/null 2>&1
"$PLANSITE" -C "$repo" build --out "$tmp/f2" >/dev/null 2>"$tmp/err"
check "the same fonts again: a no-op" grep -q "is up to date" "$tmp/err"
FONTCONFIG_FILE=$tmp/fonts.conf "$PLANSITE" -C "$repo" build --out "$tmp/f2" --verbose >/dev/null 2>"$tmp/err"
check "other fonts into the same folder: not a no-op" sh -c "! grep -q 'is up to date' '$tmp/err'"
check "... it says the fonts changed" grep -q "whole: the fonts changed" "$tmp/err"
same "... and the PDF is made again (a fresh build's)" "$tmp/f2" "$tmp/fresh-fonts"
FONTCONFIG_FILE=$tmp/fonts.conf "$PLANSITE" -C "$repo" build --out "$tmp/f2" >/dev/null 2>"$tmp/err"
check "... then the same fonts again: a no-op" grep -q "is up to date" "$tmp/err"
# a font added to a folder fontconfig reads changes them too
cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf "$tmp/fonts/"
FONTCONFIG_FILE=$tmp/fonts.conf fc-list >/dev/null 2>&1
FONTCONFIG_FILE=$tmp/fonts.conf "$PLANSITE" -C "$repo" build --out "$tmp/f2" >/dev/null 2>"$tmp/err"
check "a font added: not a no-op" sh -c "! grep -q 'is up to date' '$tmp/err'"
rm -f "$tmp/fonts/DejaVuSans.ttf"
FONTCONFIG_FILE=$tmp/fonts.conf fc-list >/dev/null 2>&1
# and a site with no PDF (--no-pdf) does not look at the fonts
"$PLANSITE" -C "$repo" build --no-pdf --out "$tmp/f3" >/dev/null 2>&1
FONTCONFIG_FILE=$tmp/fonts.conf "$PLANSITE" -C "$repo" build --no-pdf --out "$tmp/f3" >/dev/null 2>"$tmp/err"
check "no PDFs: other fonts are still a no-op" grep -q "is up to date" "$tmp/err"

# --- damaged entries are made again, never copied ---------------------------------------
# damage NAME CMD: with the cache warm, CMD damages it; then a build into a
# new folder
damage() {
	rm -rf "$tmp/d"
	"$PLANSITE" -C "$repo" build --out "$tmp/d0" >/dev/null 2>&1
	rm -rf "$tmp/d0"
	sh -c "$2"
	"$PLANSITE" -C "$repo" build --out "$tmp/d" --verbose >/dev/null 2>"$tmp/err"
	st=$?
	check "$1: the build exits 0" test $st = 0
	same "$1: the output is a fresh build's" "$tmp/d" "$tmp/fresh-main"
}
vfile=$(cd "$PLANSITE_CACHE/versions" && ls -d v-*)/about/index.html
damage "a version's file missing" "rm '$PLANSITE_CACHE/versions/$vfile'"
check "... the version is rendered again" grep -q "publish/2007-04: rendered into the cache" "$tmp/err"
vfile=$(cd "$PLANSITE_CACHE/versions" && ls -d v-*)/about/index.html
damage "a version's file emptied" ": >'$PLANSITE_CACHE/versions/$vfile'"
vfile=$(cd "$PLANSITE_CACHE/versions" && ls -d v-*)/about/index.html
damage "a version's file changed, same size" "sed -i 's/About/Abxut/' '$PLANSITE_CACHE/versions/$vfile'"
damage "a PDF cut short" "for f in '$PLANSITE_CACHE'/pdf/*; do head -c 2000 \"\$f\" >'$tmp/half' && cat '$tmp/half' >\"\$f\"; done"
damage "a PDF emptied" "for f in '$PLANSITE_CACHE'/pdf/*; do : >\"\$f\"; done"
damage "the history cut short" "head -c 300 '$PLANSITE_CACHE/history' >'$tmp/half' && cat '$tmp/half' >'$PLANSITE_CACHE/history'"
damage "a build record cut short" "for f in '$PLANSITE_CACHE'/builds/*; do head -c 100 \"\$f\" >'$tmp/half' && cat '$tmp/half' >\"\$f\"; done"

# --- a shallow clone deepened ---------------------------------------------------------
# A site whose published version is the commit before HEAD, each commit an
# edit of the same page: a clone two commits deep, then deepened by one.
srepo=$tmp/srepo
cp -r "$here/build/golden/site" "$srepo"
rm -rf "$srepo/.plansite-cache" # an old plansite's, in a checkout that ran one
rm "$srepo/content/reports/2007-04.md"
git -C "$srepo" init -q -b main
sg() { git -C "$srepo" -c user.name=t -c user.email=t@example.org "$@"; }
scommit() { GIT_AUTHOR_DATE="$1T12:00:00+0000" GIT_COMMITTER_DATE="$1T12:00:00+0000" sg commit -q -m "$2"; }
sg add -A
scommit 2007-04-01 "The site"
for d in 2007-04-10 2007-04-20 2007-05-02; do
	printf '\nAn edit of %s.\n' "$d" >>"$srepo/content/pages/about.md"
	sg add -A
	scommit "$d" "Edit about on $d"
	[ "$d" = 2007-04-20 ] && sg tag publish/2007-04
done
git clone -q --depth 2 "file://$srepo" "$tmp/shallow" 2>/dev/null
check "the clone is shallow and has the tag" test -f "$tmp/shallow/.git/shallow" -a -n "$(git -C "$tmp/shallow" tag -l publish/2007-04)"
export PLANSITE_CACHE="$tmp/cache-shallow"
"$PLANSITE" -C "$tmp/shallow" build --out "$tmp/s1" >/dev/null 2>&1
git -C "$tmp/shallow" fetch -q --deepen=1 2>/dev/null
check "deepened, it is still shallow" test -f "$tmp/shallow/.git/shallow"
"$PLANSITE" -C "$tmp/shallow" build --out "$tmp/s2" --verbose >/dev/null 2>"$tmp/err"
check "a shallow clone deepened renders its version again" grep -q "publish/2007-04: rendered into the cache" "$tmp/err"
PLANSITE_CACHE="$tmp/fresh-cache" "$PLANSITE" -C "$tmp/shallow" build --out "$tmp/fresh-shallow" >/dev/null 2>&1
rm -rf "$tmp/fresh-cache"
same "... the output is a fresh build's" "$tmp/s2" "$tmp/fresh-shallow"

# --- a one-off read failure is not remembered -------------------------------------------
export PLANSITE_CACHE="$tmp/cache-w011"
PLANSITE_CACHE="$tmp/fresh-cache" "$PLANSITE" -C "$srepo" build --out "$tmp/fresh-w" >/dev/null 2>&1
rm -rf "$tmp/fresh-cache"
"$PLANSITE" -C "$srepo" build --out "$tmp/w0" >/dev/null 2>&1
rm -rf "$PLANSITE_CACHE/versions"
# the page as the tag has it: a blob no other commit has
blob=$(git -C "$srepo" rev-parse publish/2007-04:content/pages/about.md)
obj=$srepo/.git/objects/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-)
check "the tag's page is a loose object" test -f "$obj"
mv "$obj" "$tmp/object"
"$PLANSITE" -C "$srepo" build --out "$tmp/w1" >/dev/null 2>"$tmp/err"
st=$?
mv "$tmp/object" "$obj"
check "a read failure leaves the version out (W011), exit 0" sh -c "[ $st = 0 ] && grep -q 'version .publish/2007-04. is left out: its site cannot be read.*W011' '$tmp/err'"
check "... and the version is not in that output" test ! -e "$tmp/w1/versions/2007-04"
"$PLANSITE" -C "$srepo" build --out "$tmp/w1" >/dev/null 2>"$tmp/err"
check "the failure fixed, the next build is not a no-op" sh -c "! grep -q 'is up to date' '$tmp/err'"
same "... and publishes the version: a fresh build's output" "$tmp/w1" "$tmp/fresh-w"
export PLANSITE_CACHE="$tmp/cache"

# --- builds at once, sharing one cache -----------------------------------------------------
# 20 pairs, each after the cache's versions, PDFs and records are dropped
# (so both render): odd pairs into one output, even pairs into two.
bad_pairs=0
for i in $(seq 1 20); do
	rm -rf "$PLANSITE_CACHE/versions" "$PLANSITE_CACHE/pdf" "$PLANSITE_CACHE/builds" "$tmp/p1" "$tmp/p2"
	o2=$tmp/p1
	[ $((i % 2)) = 0 ] && o2=$tmp/p2
	"$PLANSITE" -C "$repo" build --out "$tmp/p1" >/dev/null 2>"$tmp/e1" &
	a=$!
	"$PLANSITE" -C "$repo" build --out "$o2" >/dev/null 2>"$tmp/e2" &
	b=$!
	wait $a
	sa=$?
	wait $b
	sb=$?
	why=""
	[ $sa = 0 ] && [ $sb = 0 ] || why="$why exit $sa and $sb;"
	diff -r "$tmp/p1" "$tmp/fresh-main" >/dev/null 2>&1 || why="$why the first output differs;"
	diff -r "$o2" "$tmp/fresh-main" >/dev/null 2>&1 || why="$why the second output differs;"
	if [ -n "$why" ]; then
		bad_pairs=$((bad_pairs + 1))
		echo "     pair $i:$why"
		sed 's/^/     /' "$tmp/e1" "$tmp/e2" | head -6
	fi
done
check "20 pairs of builds sharing a cache: all exit 0, each output a fresh build's" test $bad_pairs = 0
# and then the cache serves one more build exactly
"$PLANSITE" -C "$repo" build --out "$tmp/p3" >/dev/null 2>&1
same "the cache the pairs left gives a fresh build's output" "$tmp/p3" "$tmp/fresh-main"
check "nothing is left in the cache's trash" test -z "$(ls -A "$PLANSITE_CACHE/trash" 2>/dev/null)"
# a killed build's temporary files are removed by the next build that is alone
touch "$PLANSITE_CACHE/history.tmp-999999-1" "$PLANSITE_CACHE/pdf/x.pdf.tmp-999999-1"
mkdir -p "$PLANSITE_CACHE/versions/new-999999-v-0"
"$PLANSITE" -C "$repo" build --out "$tmp/p4" >/dev/null 2>&1
check "a killed build's temporary files are removed" test -z "$(find "$PLANSITE_CACHE" -name '*.tmp-*' -o -name 'new-*')"

echo "cache: $fail failed"
[ "$fail" = 0 ]
