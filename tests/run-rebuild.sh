#!/bin/sh
# run-rebuild.sh: a no-op rebuild. A build whose output already holds what it
# would write says so and writes nothing (found by its message, not by
# timing); any change to what the output depends on means a full build:
#   - from disk: a content edit, a theme file of the site, --today, the
#     audience, another plansite, a file of the output deleted or touched;
#   - from git: another commit, a new tag (versions on), and for a draft
#     (--worktree) another HEAD; uncommitted changes alone change nothing,
#     but their warning is still given;
#   - the output and the findings of a no-op rebuild are those of the full
#     build (text and JSON), and its record is never inside the output.
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
check() { # description command...
	d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

site=$tmp/site
out=$tmp/out
cp -r "$here/build/golden/site" "$site"
TODAY=2030-01-01 # late enough for date warnings, which a no-op must repeat

# build [args]: builds $site into $out; stderr in $tmp/err, exit status in $st.
build() {
	"$PLANSITE" -C "$site" build --worktree --today "$TODAY" --out "$out" "$@" >"$tmp/stdout" 2>"$tmp/err"
	st=$?
}
noop() { grep -q "is up to date" "$tmp/err" && ! grep -q "plansite: wrote" "$tmp/err"; }
full() { grep -q "plansite: wrote" "$tmp/err" && ! grep -q "is up to date" "$tmp/err"; }
# expect_full description: the last build was a full one, and exited 0.
expect_full() {
	if [ "$st" = 0 ] && full; then ok "$1: full build"; else bad "$1: full build (exit $st)"; sed 's/^/     /' "$tmp/err"; fi
}
expect_noop() {
	if [ "$st" = 0 ] && noop; then ok "$1: no-op"; else bad "$1: no-op (exit $st)"; sed 's/^/     /' "$tmp/err"; fi
}

# --- from disk (outside git) ----------------------------------------------
build --verbose
expect_full "first build"
check "--verbose says why the first build is whole" grep -q "whole: no record of an earlier build" "$tmp/err"
cp "$tmp/err" "$tmp/err-full"
cp -r "$out" "$tmp/out-full"

build --verbose
expect_noop "the same build again"
grep -v -e 'plansite: wrote' -e 'whole:' -e 'plansite: [0-9.]* s: read' "$tmp/err-full" >"$tmp/a"
grep -v -e 'is up to date' -e 'whole:' "$tmp/err" >"$tmp/b"
check "a no-op reports the findings of the full build, in the same order" cmp -s "$tmp/a" "$tmp/b"
check "those findings include warnings from the rules (W001)" grep -q "W001" "$tmp/err"
check "a no-op leaves the output as the full build wrote it" diff -r "$tmp/out-full" "$out"
"$PLANSITE" -C "$site" build --worktree --today "$TODAY" --out "$tmp/fresh" >/dev/null 2>&1
check "a no-op's output is byte for byte a fresh build's" diff -r "$out" "$tmp/fresh"
check "the record of a build is not in the output (only its marker is)" \
	test "$(cd "$out" && find . -name '.?*')" = "./.plansite-output"

# JSON findings: the same objects, full or no-op.
"$PLANSITE" -C "$site" build --worktree --today "$TODAY" --out "$tmp/json" --format json >"$tmp/j1" 2>/dev/null
"$PLANSITE" -C "$site" build --worktree --today "$TODAY" --out "$tmp/json" --format json >"$tmp/j2" 2>"$tmp/j2err"
check "JSON findings are the same on a no-op" cmp -s "$tmp/j1" "$tmp/j2"
check "JSON findings are there at all" grep -q '"code":"W001"' "$tmp/j2"

# Killed builds' staging folders are removed by a no-op too.
mkdir "$tmp/.out.staging-999999999"
build
expect_noop "a build after a killed one"
check "a no-op removes what killed builds left" test ! -e "$tmp/.out.staging-999999999"

# A content edit.
sed -i 's/^title: .*/title: A retitled page/' "$site/content/pages/about.md"
build --verbose
expect_full "a content edit"
check "--verbose says the sources changed" grep -q "the sources, the options or plansite changed" "$tmp/err"
check "the edit is in the output" grep -q "A retitled page" "$out/about/index.html"
build
expect_noop "after the edit, again"

# A file added to the site (a page).
printf -- '---\ntitle: Extra\nvisibility: public\n---\nExtra page.\n' >"$site/content/pages/extra.md"
build
expect_full "a new document"
check "the new page is written" test -f "$out/extra/index.html"
rm "$site/content/pages/extra.md"
build
expect_full "a document removed"
check "the removed page is gone" test ! -e "$out/extra"

# Options that change the output.
build --today 2030-01-02
expect_full "another --today"
build --today 2030-01-02
expect_noop "that --today again"
build --audience practices
expect_full "another audience"
build --audience practices
expect_noop "that audience again"
build
expect_full "back to the public audience"
build --verbose --format text
expect_noop "--verbose and --format do not change the output"

# The output changed behind plansite's back.
rm "$out/about/index.html"
build --verbose
expect_full "a file of the output deleted"
check "--verbose says a file is missing" grep -q "a file of the output is missing or was changed" "$tmp/err"
check "the deleted file is back" test -f "$out/about/index.html"
echo "<!-- edited -->" >>"$out/index.html"
build
expect_full "a file of the output edited"
touch -d "2001-01-01" "$out/feed.xml"
build
expect_full "a file of the output touched (same size)"
rm -rf "$out"
build
expect_full "the output folder deleted"

# A theme file of the site's own (themes/default/ overrides the built-in one).
mkdir -p "$site/themes/default/static"
cp "$top/themes/default/static/style.css" "$site/themes/default/static/style.css"
build
expect_full "a theme file added"
build
expect_noop "with that theme file, again"
echo "/* changed */" >>"$site/themes/default/static/style.css"
build
expect_full "a theme file changed"
check "the changed style sheet is published" sh -c "grep -q 'changed' '$out'/static/style.*.css"

# Another plansite (the built-in theme is part of it): the same program with
# one byte more is another executable.
cp "$PLANSITE" "$tmp/plansite2" && printf x >>"$tmp/plansite2"
"$tmp/plansite2" -C "$site" build --worktree --today "$TODAY" --out "$out" >/dev/null 2>"$tmp/err"
st=$?
expect_full "another plansite executable"

# A build with errors writes nothing and leaves the record as it was: once
# the error is fixed, the output is reused.
build
cp "$site/content/projects/alpha.md" "$tmp/alpha.md"
sed -i 's/^status: .*/status: purple/' "$site/content/projects/alpha.md"
build
check "a build with errors fails" test "$st" = 1
check "... and says nothing of reuse" sh -c "! grep -q 'up to date' '$tmp/err'"
cp "$tmp/alpha.md" "$site/content/projects/alpha.md"
build
expect_noop "the error fixed: the output from before is reused"

# --- stamps: files unchanged since the last build are not read again -------
# The record keeps each source file's stamp (size, times, inode) and hash; a
# file with the same stamp is taken unread. Only stamps two seconds old are
# kept, so the site is left alone for three first.
ssite=$tmp/ssite
sout=$tmp/sout
cp -r "$here/build/golden/site" "$ssite"
rm -rf "$PLANSITE_CACHE"
nfiles=$(find "$ssite" -type f | wc -l)
sleep 3
sbuild() {
	"$PLANSITE" -C "$ssite" build --worktree --today "$TODAY" --out "$sout" --verbose "$@" >"$tmp/stdout" 2>"$tmp/err"
	st=$?
}
sbuild
expect_full "stamps: first build"
check "stamps: the record keeps a stamp for each source file" \
	test "$(grep -c '^source	' "$PLANSITE_CACHE"/builds/*)" = "$nfiles"
sbuild
expect_noop "stamps: the same build again"
check "stamps: ... reads none of the files" grep -q "$nfiles of $nfiles source files unchanged" "$tmp/err"
"$PLANSITE" -C "$ssite" build --worktree --today "$TODAY" --out "$tmp/sfresh" >/dev/null 2>"$tmp/err-fresh"
# An edit in place (same inode, same size) whose modification time is put
# back: the stamp's ctime, which no program can set, still tells.
f=$ssite/content/pages/about.md
touch -r "$f" "$tmp/ref"
at=$(grep -b -o '^title: ' "$f" | head -1 | cut -d: -f1)
printf 'Q' | dd of="$f" bs=1 seek=$((at + 7)) conv=notrunc 2>/dev/null
touch -r "$tmp/ref" "$f"
sbuild
expect_full "stamps: an edit of the same size, its time set back"
check "stamps: ... was read" grep -q "<h1[^>]*>Qbout" "$sout/about/index.html"
grep -v -e 'plansite: wrote' -e 'plansite: [0-9.]* s: read' -e 'unchanged since' -e 'whole:' "$tmp/err" >"$tmp/a"
"$PLANSITE" -C "$ssite" build --worktree --today "$TODAY" --out "$tmp/sfresh2" >/dev/null 2>"$tmp/b0"
grep -v 'plansite: wrote' "$tmp/b0" >"$tmp/b"
check "stamps: a build after reading again has each finding once" cmp -s "$tmp/a" "$tmp/b"
check "stamps: ... and a fresh build's output" diff -r "$sout" "$tmp/sfresh2"
# That file was changed just now: its stamp is not kept, and a second edit
# in the same second, of the same size, is seen.
srecord=$(grep -l "^out	$sout\$" "$PLANSITE_CACHE"/builds/*)
check "stamps: a file changed just before the build has no stamp kept" \
	sh -c "grep -q '	content/plan.yaml\$' '$srecord' && ! grep -q '	content/pages/about.md\$' '$srecord'"
printf 'R' | dd of="$f" bs=1 seek=$((at + 7)) conv=notrunc 2>/dev/null
touch -r "$tmp/ref" "$f"
sbuild
expect_full "stamps: a second quick edit"
check "stamps: ... is in the output" grep -q "<h1[^>]*>Rbout" "$sout/about/index.html"
check "stamps: the others were not read" grep -q "$((nfiles - 1)) of $nfiles source files unchanged" "$tmp/err"
# A file replaced by another of the same size and times (another inode).
g=$ssite/content/projects/alpha.md
sed 's/^title: Alpha$/title: Alphb/' "$g" >"$tmp/alpha-copy"
touch -r "$g" "$tmp/alpha-copy"
sleep 3
sbuild
sbuild
expect_noop "stamps: settled again"
mv "$tmp/alpha-copy" "$g"
sbuild
expect_full "stamps: a file replaced by a copy (same size and times)"
check "stamps: ... is read" grep -q "Alphb" "$sout/projects/alpha/index.html"
# Without the output a whole build is due: the sources are read once, not
# first taken on their stamps.
rm -rf "$sout"
sbuild
expect_full "stamps: the output deleted"
check "stamps: ... reads the sources once, without the stamps" sh -c "! grep -q 'unchanged since' '$tmp/err'"

# --- from git ----------------------------------------------------------------
if command -v git >/dev/null; then
	repo=$tmp/repo
	cp -r "$here/build/golden/site" "$repo"
	(
		cd "$repo" && git init -q && git config user.email t@example.org &&
			git config user.name Test && git add -A &&
			GIT_COMMITTER_DATE="2007-05-01T12:00:00Z" git commit -q -m "first"
	) || bad "git repository set up"
	gbuild() {
		"$PLANSITE" -C "$repo" build --today "$TODAY" --out "$tmp/gout" "$@" >/dev/null 2>"$tmp/err"
		st=$?
	}
	gbuild
	expect_full "git: first build"
	gbuild
	expect_noop "git: the same commit again"
	"$PLANSITE" -C "$repo" build --today "$TODAY" --out "$tmp/gfresh" >/dev/null 2>&1
	check "git: a no-op's output is byte for byte a fresh build's" diff -r "$tmp/gout" "$tmp/gfresh"
	echo "Uncommitted." >>"$repo/content/pages/about.md"
	gbuild
	expect_noop "git: uncommitted changes (not in the build)"
	check "git: ... and the no-op still warns of them (W007)" grep -q "W007" "$tmp/err"
	(cd "$repo" && git commit -q -a -m "second")
	gbuild
	expect_full "git: another commit"
	gbuild
	expect_noop "git: that commit again"
	(cd "$repo" && git tag publish/2007-05)
	gbuild
	expect_full "git: a publish tag added (versions on)"
	check "git: the version is published" test -d "$tmp/gout/versions/2007-05"
	gbuild --no-versions
	expect_full "git: --no-versions"
	(cd "$repo" && git tag other-tag)
	gbuild --no-versions
	expect_noop "git: a tag does not count without versions"
	# A draft (--worktree) takes its reports' data from HEAD's history: another
	# HEAD, with the same files on disk, is another build.
	wbuild() {
		"$PLANSITE" -C "$repo" build --worktree --today "$TODAY" --out "$tmp/wout" >/dev/null 2>"$tmp/err"
		st=$?
	}
	wbuild
	expect_full "draft: first build"
	wbuild
	expect_noop "draft: again"
	(cd "$repo" && git commit -q --allow-empty -m "empty")
	wbuild
	expect_full "draft: another HEAD"
else
	echo "skip git cases: no git"
fi

echo "rebuild: $fail failed"
[ "$fail" = 0 ]
