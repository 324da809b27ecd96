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

echo "cache: $fail failed"
[ "$fail" = 0 ]
