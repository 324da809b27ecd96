#!/bin/sh
# run-output.sh: output folders are plansite's own (issue 12, point 5).
#   - refused, for build and report alike (E031, exit status 2, the reason
#     in the message): the site root, a folder above it, / , content/ and
#     folders in it (there or not), themes/, .git and folders in it, the git
#     folders of a linked work tree and of a bare repository, a symbolic
#     link (to the site root, to an empty folder, into content/), a folder
#     of someone's files, a file, the default public/ and report-YYYY-MM/
#     when they hold someone's files, an old output that no record names,
#     a folder whose marker is not one (other text, or a link).
#     Each run is traced (strace -f -e trace=%file) and may not change any
#     path at all, and the sandbox it runs in is byte for byte as it was
#     (a listing with hashes, before and after);
#   - accepted: an absent, an empty and a marked folder, and an old output
#     without the marker that the build record names; each run may change
#     only paths under the output, its staging siblings (.<name>.staging-*),
#     the lock beside it (.<name>.lock) and the cache;
#   - a staging folder left by a killed build is removed; folders that only
#     look like one (someone's files, a link, another name) are not;
#   - an old output's symbolic links are removed, never followed;
#   - the marker is the same in every output (builds stay reproducible);
#   - a build waits, saying so, while another holds the output's lock; 20
#     pairs of builds into one output at once, each with its own cache, all
#     exit 0 and leave what a fresh build into an empty folder leaves.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
tmp=$(mktemp -d)
tmp=$(cd "$tmp" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
if ! command -v strace >/dev/null 2>&1; then
	bad "strace is installed (generator/deps.sh test installs it)"
	exit 1
fi
# LeakSanitizer cannot run under ptrace; everything else of ASan and UBSan does
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export TZ=UTC

# snap DIR: every entry under DIR, its type, mode, size, time and link
# target, and every file's hash.
snap() {
	(cd "$1" && find . -printf '%y %m %s %T@ %p -> %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# A site in git (the golden site, one commit), copied for each sandbox.
tmpl=$tmp/template
mkdir -p "$tmpl"
cp -r "$here/build/golden/site" "$tmpl/site"
git -C "$tmpl/site" init -q
git -C "$tmpl/site" add -A
git -C "$tmpl/site" -c user.name=t -c user.email=t@example.org commit -q -m site

# sandbox NAME: a fresh copy of the template at $sb, with its own cache
# folders ($PLANSITE_CACHE, $XDG_CACHE_HOME, $TMPDIR) inside it.
n=0
sandbox() {
	sb=$tmp/$1
	cp -a "$tmpl" "$sb"
	mkdir -p "$sb/tmp"
	export PLANSITE_CACHE="$sb/cache" XDG_CACHE_HOME="$sb/xdg" TMPDIR="$sb/tmp"
}

# The cache: only the folder given (PLANSITE_CACHE), never anything in the
# site (a .plansite-cache/ there is not plansite's).
cache_allowed() { # site
	echo "$PLANSITE_CACHE"
}

# run DIR cmd...: runs plansite with cmd in DIR under strace; stderr in
# $tmp/err, exit status in $st, the trace at $log.*.
run() {
	dir=$1
	shift
	n=$((n + 1))
	log=$tmp/trace-$n/t
	mkdir -p "$tmp/trace-$n"
	(cd "$dir" && strace -f -ff -y -qq -s 4096 -e trace=%file -o "$log" "$PLANSITE" "$@") \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
}

# refused WHAT EXPECT DIR cmd...: plansite cmd, run in DIR, exits 2 with
# E031 and EXPECT in its message, changes no path at all, and leaves the
# sandbox byte for byte as it was.
refused() {
	what=$1 expect=$2
	shift 2
	snap "$sb" >"$tmp/before"
	run "$@"
	snap "$sb" >"$tmp/after"
	why=""
	[ "$st" = 2 ] || why="$why exit $st, not 2;"
	grep -q "error: refusing to use .* as the output folder: .*\[E031\]" "$tmp/err" ||
		why="$why no E031;"
	grep -q -F -- "$expect" "$tmp/err" || why="$why message lacks '$expect';"
	grep -q "^1 error, " "$tmp/err" || why="$why other errors;"
	python3 "$here/trace-paths.py" "$log" "$1" >"$tmp/paths" || why="$why changed paths;"
	cmp -s "$tmp/before" "$tmp/after" || why="$why the sandbox changed;"
	if [ -z "$why" ]; then
		ok "$what: refused, nothing changed"
	else
		bad "$what:$why"
		sed 's/^/     /' "$tmp/err" "$tmp/paths"
		diff "$tmp/before" "$tmp/after" | head -10 | sed 's/^/     /'
	fi
}

# accepted WHAT OUT DIR cmd...: plansite cmd, run in DIR, exits 0 and
# changes only paths under OUT (real path), its staging siblings, its lock
# and the cache; OUT then holds the marker.
accepted() {
	what=$1 out=$2
	shift 2
	run "$@"
	parent=$(dirname "$out") name=$(basename "$out")
	why=""
	[ "$st" = 0 ] || why="$why exit $st;"
	# shellcheck disable=SC2046
	python3 "$here/trace-paths.py" "$log" "$1" "$out" "$parent/.$name.staging-*" \
		"$parent/.$name.lock" $(cache_allowed "$sb/site") >"$tmp/paths" || why="$why changed paths outside;"
	cmp -s "$out/.plansite-output" "$tmp/marker" || why="$why no marker;"
	[ -e "$parent/.$name.lock" ] && why="$why the lock is left;"
	if [ -z "$why" ]; then
		ok "$what: built, only its own paths changed"
	else
		bad "$what:$why"
		sed 's/^/     /' "$tmp/err" "$tmp/paths" | head -30
	fi
}

# --- refused ---------------------------------------------------------------
sandbox refused
s=$sb/site
mkdir -p "$sb/docs/sub" "$sb/empty" "$sb/old/meetings" "$s/public" "$s/report-2007-04"
echo "minutes, do not lose" >"$sb/docs/notes.txt"
echo "more" >"$sb/docs/sub/more.txt"
ln -s ../notes.txt "$sb/docs/sub/link"
echo "a file" >"$sb/afile"
echo "<p>old</p>" >"$sb/old/index.html"
echo "mine" >"$s/public/mine.txt"
echo "mine" >"$s/report-2007-04/mine.txt"
mkdir "$sb/fakemark" "$sb/linkmark"
echo "hello" >"$sb/fakemark/.plansite-output"
echo "minutes" >"$sb/fakemark/notes.txt"
printf 'plansite-output 1\n' >"$sb/marker-elsewhere"
ln -s ../marker-elsewhere "$sb/linkmark/.plansite-output"
echo "minutes" >"$sb/linkmark/notes.txt"
ln -s site "$sb/linkroot"
ln -s empty "$sb/linkempty"
ln -s site/content "$sb/linkcontent"
# a linked work tree (its git folder is outside it) and a bare repository
# holding a site on disk
git -C "$s" worktree add -q "$sb/wt" 2>/dev/null
git clone -q --bare "$s" "$sb/bare.git"
cp -r "$tmpl/site/site.yaml" "$tmpl/site/content" "$sb/bare.git/"

for cmd in build report; do
	if [ $cmd = build ]; then set -- build --no-pdf; else set -- report 2007-04; fi
	refused "$cmd --out ." "it is the site root" "$s" "$@" --out .
	refused "$cmd --out .." "it holds the site root '$s'" "$s" "$@" --out ..
	refused "$cmd --out /" "it holds the site root '$s'" "$s" "$@" --out /
	refused "$cmd --out content" "it is the site's content/ folder" "$s" "$@" --out content
	refused "$cmd --out content/pages" "it is inside the site's content/ folder" "$s" "$@" --out content/pages
	refused "$cmd --out content/new/x (not there)" "it is inside the site's content/ folder" "$s" "$@" --out content/new/x
	refused "$cmd --out ../site/./content/.." "it is the site root" "$s" "$@" --out ../site/./content/..
	refused "$cmd --out themes/x" "it is inside the site's themes/ folder" "$s" "$@" --out themes/x
	refused "$cmd --out .git" "it is the site's .git/ folder" "$s" "$@" --out .git
	refused "$cmd --out .git/objects" "it is inside the site's .git/ folder" "$s" "$@" --out .git/objects
	refused "$cmd --out a link to the site root" "it is a symbolic link to '$s', which is the site root" "$s" "$@" --out ../linkroot
	refused "$cmd --out a link to the site root/" "it is a symbolic link to '$s', which is the site root" "$s" "$@" --out ../linkroot/
	refused "$cmd --out a link to an empty folder" "it is a symbolic link (to '$sb/empty'); plansite replaces its output folder whole, and would replace the link, not what it points at: give the folder itself, --out '$sb/empty'" "$s" "$@" --out ../linkempty
	refused "$cmd --out through a link into content/" "it is inside the site's content/ folder" "$s" "$@" --out ../linkcontent/x
	refused "$cmd --out someone's folder" "it holds files (such as 'notes.txt') but no .plansite-output marker, and no build record names it, so they may not be plansite's; plansite replaces its output folder whole: give --out a new or empty folder, or, if this is an earlier plansite's output, delete it by hand" "$s" "$@" --out ../docs
	refused "$cmd --out a file" "it is a file, not a folder" "$s" "$@" --out ../afile
	refused "$cmd --out a folder whose marker is not one" "such as '.plansite-output') but no .plansite-output marker" "$s" "$@" --out ../fakemark
	refused "$cmd --out a folder whose marker is a link" "such as '.plansite-output') but no .plansite-output marker" "$s" "$@" --out ../linkmark
	refused "$cmd --out an old output no record names" "such as 'index.html'" "$s" "$@" --out ../old
	refused "$cmd --out a linked work tree's git folder" "it is inside the repository's git folder '$s/.git/worktrees/wt'" "$sb/wt" "$@" --out ../site/.git/worktrees/wt
	refused "$cmd --out the main work tree, from a linked one" "it holds the repository's git folder '$s/.git/worktrees/wt'" "$sb/wt" "$@" --out ../site
	refused "$cmd --out a bare repository's folder" "it is inside the repository's git folder '$sb/bare.git'" "$sb/bare.git" "$@" --out refs/x
	refused "$cmd -C site --out site/content" "it is the site's content/ folder" "$sb" -C site "$@" --out site/content
done
refused "build into the default public/ holding someone's files" "such as 'mine.txt'" "$s" build --no-pdf
refused "report into the default report-2007-04/ holding someone's files" "such as 'mine.txt'" "$s" report 2007-04

# --- accepted ----------------------------------------------------------------
printf 'plansite-output 1\nThis folder was written by plansite, and each build into it replaces it whole:\nkeep nothing else here.\n' >"$tmp/marker"
sandbox accepted
s=$sb/site
accepted "build into a folder not there" "$sb/new" "$s" build --no-pdf --out ../new
cp -r "$sb/new" "$tmp/fresh"
mkdir "$sb/empty"
accepted "build into an empty folder" "$sb/empty" "$s" build --no-pdf --out ../empty
diff -r "$tmp/fresh" "$sb/empty" >/dev/null && ok "the marker is the same in every output" ||
	bad "the marker is the same in every output"
accepted "build into the default public/" "$s/public" "$s" build --no-pdf
accepted "report into a folder not there" "$sb/rep" "$s" report 2007-04 --out ../rep
accepted "report again into its output" "$sb/rep" "$s" report 2007-04 --out ../rep
accepted "report into the default report-2007-04/" "$s/report-2007-04" "$s" report 2007-04

# An old output without the marker is taken when the build record names it.
rm "$sb/new/.plansite-output"
accepted "build into an old output without the marker, named by the record" "$sb/new" "$s" build --no-pdf --out ../new
# ... and refused by a build whose record does not (a copy of the site, with
# a cache of its own)
rm "$sb/new/.plansite-output"
cp -a "$tmpl/site" "$sb/site-copy"
export PLANSITE_CACHE="$sb/cache-copy"
refused "the same output, for a build with no record of it" "delete it by hand" "$sb" -C site-copy build --no-pdf --out new
export PLANSITE_CACHE="$sb/cache"

# An old output holding links out of it (a careless editor): the rebuild
# (a full one: another --today) removes the links, never what they point at.
mkdir -p "$sb/outside/deep"
echo "keep me" >"$sb/outside/deep/precious.txt"
echo "keep me too" >"$sb/outside/file.txt"
ln -s ../outside "$sb/empty/link-to-folder"
ln -s ../../outside "$sb/empty/about/link-inside"
ln -s ../outside/file.txt "$sb/empty/link-to-file"
ln -s /nowhere "$sb/empty/dangling"
echo "added by hand" >"$sb/empty/extra.txt"
snap "$sb/outside" >"$tmp/before"
accepted "rebuild an output holding links out of it" "$sb/empty" "$s" build --no-pdf --out ../empty --today 2030-01-01
snap "$sb/outside" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok "what the old output's links pointed at is untouched" ||
	bad "what the old output's links pointed at is untouched"
"$PLANSITE" -C "$s" build --no-pdf --out "$tmp/fresh-2030" --today 2030-01-01 >/dev/null 2>&1
diff -r "$tmp/fresh-2030" "$sb/empty" >/dev/null && ok "... and the output is a fresh build's" ||
	bad "... and the output is a fresh build's"

# A staging folder left by a killed build is removed; look-alikes are not.
sh -c 'exit 0' &
wait $!
dead=$!
cp -r "$tmp/fresh" "$sb/.empty.staging-$dead"
mkdir "$sb/.empty.staging-1$dead" "$sb/.empty.staging-x$dead"
echo "someone's" >"$sb/.empty.staging-1$dead/file.txt"
cp "$tmp/marker" "$sb/.empty.staging-x$dead/.plansite-output"
ln -s outside "$sb/.empty.staging-2$dead"
ln -s ../outside/file.txt "$sb/.empty.staging-3$dead"
mkdir "$sb/.empty.staging-4$dead" "$sb/.empty.staging-4$dead/sub"
ln -s ../outside/file.txt "$sb/.empty.staging-4$dead/.plansite-output"
(cd "$sb" && for f in .empty.staging-[0-9x]*; do [ "$f" = ".empty.staging-$dead" ] || echo "$f"; done) | LC_ALL=C sort >"$tmp/alike"
snap "$sb/outside" >"$tmp/before"
for f in $(cat "$tmp/alike"); do snap "$sb/$f" 2>/dev/null; ls -ld "$sb/$f" | cut -c1; done >>"$tmp/before"
accepted "build beside a killed build's staging folder" "$sb/empty" "$s" build --no-pdf --out ../empty
snap "$sb/outside" >"$tmp/after"
for f in $(cat "$tmp/alike"); do snap "$sb/$f" 2>/dev/null; ls -ld "$sb/$f" | cut -c1; done >>"$tmp/after"
[ ! -e "$sb/.empty.staging-$dead" ] && ok "a killed build's staging folder is removed" ||
	bad "a killed build's staging folder is removed"
cmp -s "$tmp/before" "$tmp/after" &&
	ok "folders that only look like staging folders are left as they were ($(wc -l <"$tmp/alike"))" ||
	bad "folders that only look like staging folders are left as they were"
mkdir "$sb/.empty.staging-5$dead"
run "$s" build --no-pdf --out ../empty
[ "$st" = 0 ] && [ ! -e "$sb/.empty.staging-5$dead" ] && ok "an empty one (killed before its marker) too" ||
	bad "an empty one (killed before its marker) too"

# A build killed while it removes the output it replaced (strace kills it at
# its Nth unlinkat) leaves that output's remains in its staging folder; the
# marker is removed last, so the next build still knows them for its own.
sandbox killed
s=$sb/site
"$PLANSITE" -C "$s" build --no-pdf --out "$sb/out" >/dev/null 2>&1
left=0 kept=0 tries=0
for at in 3 10 30 60; do
	tries=$((tries + 1))
	strace -f -qq -o /dev/null -e trace=unlinkat -e inject=unlinkat:signal=KILL:when=$at \
		"$PLANSITE" -C "$s" build --no-pdf --today 2030-0$tries-01 --out "$sb/out" >/dev/null 2>&1
	ls -d "$sb"/.out.staging-* >/dev/null 2>&1 && left=$((left + 1))
	"$PLANSITE" -C "$s" build --no-pdf --today 2031-0$tries-01 --out "$sb/out" >/dev/null 2>&1 &&
		! ls -d "$sb"/.out.staging-* >/dev/null 2>&1 && kept=$((kept + 1))
done
[ $left -gt 0 ] && [ $kept = $tries ] &&
	ok "builds killed while they remove the old output: the next removes what is left ($left of $tries left some)" ||
	bad "builds killed while they remove the old output: $kept of $tries next builds tidied ($left left some)"

# --- one build at a time into one output ----------------------------------
sandbox lock
s=$sb/site
if command -v flock >/dev/null 2>&1; then
	"$PLANSITE" -C "$s" build --no-pdf --out "$sb/out" >/dev/null 2>&1
	flock "$sb/.out.lock" sleep 2 &
	holder=$!
	sleep 0.5
	# (another --today: not a no-op)
	"$PLANSITE" -C "$s" build --no-pdf --out "$sb/out" --today 2007-05-31 >"$tmp/out" 2>"$tmp/err"
	st=$?
	wait $holder
	[ "$st" = 0 ] && grep -q "^plansite: waiting for another build, which is writing into '$sb/out' (it holds $sb/.out.lock)$" "$tmp/err" &&
		grep -q "plansite: wrote" "$tmp/err" && [ ! -e "$sb/.out.lock" ] &&
		ok "a build waits while another holds the output's lock, and says so" || {
		bad "a build waits while another holds the output's lock, and says so"
		sed 's/^/     /' "$tmp/err"
	}
else
	bad "flock(1) is installed (util-linux)"
fi

# 20 pairs of builds at once, each from its own copy of the site (so each
# with its own cache however the cache is found), into one output: every
# other pair into no folder, the rest into the last pair's output.
sandbox pairs
cp -a "$sb/site" "$sb/site2"
"$PLANSITE" -C "$sb/site" build --no-pdf --out "$sb/fresh" >/dev/null 2>&1
i=0 good=0 waited=0
while [ $i -lt 20 ]; do
	[ $((i % 2)) = 0 ] && rm -rf "$sb/out"
	PLANSITE_CACHE=$sb/cache1 "$PLANSITE" -C "$sb/site" build --no-pdf --out "$sb/out" >/dev/null 2>"$tmp/e1" &
	p1=$!
	PLANSITE_CACHE=$sb/cache2 "$PLANSITE" -C "$sb/site2" build --no-pdf --out "$sb/out" >/dev/null 2>"$tmp/e2" &
	p2=$!
	wait $p1
	s1=$?
	wait $p2
	s2=$?
	if [ "$s1" = 0 ] && [ "$s2" = 0 ] && diff -r "$sb/fresh" "$sb/out" >/dev/null &&
		[ -z "$(cd "$sb" && ls -A | grep -e '^\.out\.')" ]; then
		good=$((good + 1))
	else
		echo "     pair $i: exit $s1 and $s2"
		sed 's/^/     /' "$tmp/e1" "$tmp/e2" | head -8
	fi
	cat "$tmp/e1" "$tmp/e2" | grep -q "^plansite: waiting for" && waited=$((waited + 1))
	i=$((i + 1))
done
[ $good = 20 ] && ok "20 pairs of builds into one output: all exit 0, each leaves a fresh build's output" ||
	bad "20 pairs of builds into one output: $good of 20 right"
# Started together, one build of a pair finds the other holding the lock
# (each takes it as soon as it has found the site, and holds it to the end).
[ $waited -gt 0 ] && ok "... and in $waited of them one waited for the other, saying so" ||
	bad "... and in some of them one waited for the other, saying so"

echo "output: $fail failed"
[ "$fail" = 0 ]
