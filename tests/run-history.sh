#!/bin/sh
# run-history.sh: last-updated dates, history pages, published versions and
# what changed between them, all from git. Builds a repository with dated
# commits from the valid-minimal fixture:
#
#   2007-01-20  Import the site                      tag publish/2007-01 (30 Jan)
#   2007-03-05  Add a patients page
#   2007-04-12  Rename pages (about → who-we-are as is; 01-intro →
#               01-introduction with an edit; alpha's link follows)
#   2007-04-20  COPD reaches milestone 2             tag publish/2007-04 (30 Apr)
#               (amber → green, a public meeting, a new check in the plan)
#   2007-05-02  Edit who-we-are
#   2007-05-10  Unknown clinical lead                tag publish/2007-05 (fails check)
#   2007-05-15  Fix the clinical lead                HEAD
#
# and checks exact dates, history lists, version folders, banners, the
# changes page, `plansite changes`, the cache, reproducibility and a
# shallow clone (git clone --depth 3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${PLANSITE:=$(dirname "$here")/build/san/plansite}"
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
fail=0
repo=$tmp/repo
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# has FILE TEXT NAME: FILE holds TEXT (fixed string)
has() { if grep -qF -- "$2" "$1" 2>/dev/null; then ok "$3"; else bad "$3"; echo "     '$2' not in $1"; fi; }
hasnt() { if grep -qF -- "$2" "$1" 2>/dev/null; then bad "$3"; echo "     '$2' in $1"; else ok "$3"; fi; }

export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp"
g() { git -C "$repo" -c user.name=Test -c user.email=test@example.org -c commit.gpgsign=false \
	-c tag.gpgsign=false "$@" >/dev/null; }
commit() { # date message
	GIT_AUTHOR_DATE="$1T12:00:00+0000" GIT_COMMITTER_DATE="$1T12:00:00+0000" g commit -q -m "$2"
}
atag() { # name date message
	GIT_COMMITTER_DATE="$2T18:00:00+0000" g tag -a "$1" -m "$3"
}

cp -r "$here/sites/valid-minimal" "$repo"
rm -rf "$repo/expected" "$repo/.plansite-cache" # (an old plansite wrote it in the checkout)
sed -i 's/^title: Alpha$/title: COPD/; s/^status: green$/status: amber/' "$repo/content/projects/alpha.md"
git init -q -b main "$repo"
g add -A
commit 2007-01-20 "Import the site"
atag publish/2007-01 2007-01-30 "January edition"

cat >"$repo/content/pages/patients.md" <<'EOF'
---
title: Patients' forum
summary: How patients take part.
---
The forum meets every quarter.
EOF
g add -A
commit 2007-03-05 "Add a patients page"

g mv content/pages/about.md content/pages/who-we-are.md
g mv content/plan/01-intro.md content/plan/01-introduction.md
printf '\nWe also want shorter waits for hospital care.\n' >>"$repo/content/plan/01-introduction.md"
sed -i 's|../plan/01-intro.md|../plan/01-introduction.md|' "$repo/content/projects/alpha.md"
g add -A
commit 2007-04-12 "Rename pages"

sed -i 's/^status: amber$/status: green/' "$repo/content/projects/alpha.md"
sed -i 's/^  2: { target: 2007-09-30, checks: \[resources\] }$/  2: { reached: 2007-04-18, checks: [resources, schedule] }\n  3: { target: 2007-12-31 }/' \
	"$repo/content/projects/alpha.md"
sed -i 's/^      - { id: ready, text: Service ready }$/      - { id: ready, text: Service ready }\n      - { id: trained, text: Staff trained }/' \
	"$repo/content/plan.yaml"
cat >"$repo/content/meetings/2007-04-18-executive.md" <<'EOF'
---
title: Executive committee
date: 2007-04-18
start: "13:00"
end: "14:00"
venue: North Surgery
visibility: public
attendees: [alee, bkhan]
---
## 1. COPD

Milestone 2 reached.
EOF
g add -A
commit 2007-04-20 "COPD reaches milestone 2"
atag publish/2007-04 2007-04-30 "April edition"

printf '\nWe meet monthly.\n' >>"$repo/content/pages/who-we-are.md"
g add -A
commit 2007-05-02 "Edit who-we-are"

sed -i 's/clinical_leads: \[alee\]/clinical_leads: [nobody]/' "$repo/content/projects/alpha.md"
g add -A
commit 2007-05-10 "Unknown clinical lead"
g tag publish/2007-05

sed -i 's/clinical_leads: \[nobody\]/clinical_leads: [bkhan]/' "$repo/content/projects/alpha.md"
g add -A
commit 2007-05-15 "Fix the clinical lead"
head=$(git -C "$repo" rev-parse --short=7 HEAD)
v04=$(git -C "$repo" rev-parse --short=7 'publish/2007-04^{commit}')

# --- the build --------------------------------------------------------------
out=$tmp/out
"$PLANSITE" -C "$repo" build --out "$out" --verbose >"$tmp/stdout" 2>"$tmp/err"
st=$?
[ $st = 0 ] && ok "a build with a failing tag exits 0" || { bad "a build with a failing tag exits 0 (got $st)"; cat "$tmp/err"; }
has "$tmp/err" "warning: version 'publish/2007-05' is left out: its content fails check (content/projects/alpha.md:6: unknown person 'nobody' in clinical_leads" \
	"the failing tag is a warning naming it"
has "$tmp/err" "[W011]" "the warning is W011"
has "$tmp/err" "plansite: version publish/2007-01: rendered into the cache" "first build renders publish/2007-01"
has "$tmp/err" "plansite: version publish/2007-04: rendered into the cache" "first build renders publish/2007-04"

# Last updated: the date of the last commit that changed each document.
has "$out/who-we-are/index.html" '<a href="../history/pages/who-we-are/index.html">Last updated <time datetime="2007-05-02">2 May 2007</time></a>' \
	"who-we-are: last updated 2 May 2007, linking to its history"
has "$out/patients/index.html" 'Last updated <time datetime="2007-03-05">5 March 2007</time>' "patients: last updated 5 March 2007"
has "$out/projects/alpha/index.html" 'Last updated <time datetime="2007-05-15">15 May 2007</time>' "alpha: last updated 15 May 2007"
has "$out/plan/01-introduction/index.html" 'Last updated <time datetime="2007-04-12">12 April 2007</time>' "introduction: last updated 12 April 2007"
has "$out/meetings/2007-04-18-executive/index.html" 'Last updated <time datetime="2007-04-20">20 April 2007</time>' "the new meeting: last updated 20 April 2007"
hasnt "$out/index.html" "Last updated" "the home page (no document) has no last-updated line"

# History pages: every commit that changed the document, across renames.
hist() { # file → "date|subject|note" lines
	sed -n 's|^<li><span class="date"><time datetime="\([0-9-]*\)">[^<]*</time></span> \(.*\)<span class="cell-note">\([^<]*\)</span></li>$|\1\|\2\|\3|p' "$1"
}
hist "$out/history/pages/who-we-are/index.html" >"$tmp/h1"
printf '%s\n' "2007-05-02|Edit who-we-are|Change $(git -C "$repo" rev-parse --short=7 HEAD~2)" \
	"2007-04-12|Rename pages|Change $(git -C "$repo" rev-parse --short=7 HEAD~4): moved from content/pages/about.md" \
	"2007-01-20|Import the site|Change $(git -C "$repo" rev-parse --short=7 HEAD~6): first published" >"$tmp/h1.want"
diff "$tmp/h1.want" "$tmp/h1" >/dev/null && ok "who-we-are's history follows the exact rename" || { bad "who-we-are's history"; diff "$tmp/h1.want" "$tmp/h1"; }
hist "$out/history/plan/01-introduction/index.html" | cut -d'|' -f1,3 | sed 's/Change [0-9a-f]*//' >"$tmp/h2"
printf '%s\n' "2007-04-12|: moved from content/plan/01-intro.md" "2007-01-20|: first published" >"$tmp/h2.want"
diff "$tmp/h2.want" "$tmp/h2" >/dev/null && ok "the introduction's history follows a rename with an edit" || { bad "introduction's history"; diff "$tmp/h2.want" "$tmp/h2"; }
hist "$out/history/projects/alpha/index.html" | cut -d'|' -f1,2 >"$tmp/h3"
printf '%s\n' "2007-05-15|Fix the clinical lead" "2007-05-10|Unknown clinical lead" "2007-04-20|COPD reaches milestone 2" \
	"2007-04-12|Rename pages" "2007-01-20|Import the site" >"$tmp/h3.want"
diff "$tmp/h3.want" "$tmp/h3" >/dev/null && ok "alpha's history lists its five commits" || { bad "alpha's history"; diff "$tmp/h3.want" "$tmp/h3"; }
hasnt "$out/history/projects/alpha/index.html" "test@example.org" "history pages hold no e-mail address"
[ ! -e "$out/history/pages/about" ] && ok "no history page for a document that no longer exists" || bad "no history page for about"

# The version stamp.
has "$out/index.html" "Published from version $head of 15 May 2007." "every page carries the commit and its date"
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["version"] == sys.argv[2] and v["tag"] is None and v["date"] == "2007-05-15" and v["draft"] is False, v
assert len(v["commit"]) == 40 and v["commit"].startswith(sys.argv[2]), v
' "$out/version.json" "$head" && ok "version.json names the commit and its date" || bad "version.json"

# Published versions.
[ -f "$out/versions/2007-01/index.html" ] && [ -f "$out/versions/2007-04/index.html" ] && ok "each version has its folder" || bad "version folders"
[ ! -e "$out/versions/2007-05" ] && ok "the failing version is left out" || bad "the failing version is left out"
sed -n 's|.*<a href="../\(versions/[^"]*\)">\(publish/[^<]*\)</a>.*|\2 \1|p' "$out/versions/index.html" >"$tmp/vl"
printf '%s\n' "publish/2007-04 versions/2007-04/index.html" "publish/2007-01 versions/2007-01/index.html" >"$tmp/vl.want"
diff "$tmp/vl.want" "$tmp/vl" >/dev/null && ok "versions/ lists them newest first" || { bad "versions/ list"; diff "$tmp/vl.want" "$tmp/vl"; }
has "$out/versions/index.html" '<time datetime="2007-04-30">30 April 2007</time>' "versions/ gives the tag's date"
has "$out/versions/index.html" "April edition" "versions/ gives the tag's message"
has "$out/index.html" '<a href="versions/index.html">Earlier versions of this site</a>' "the current site links to versions/"
has "$out/versions/2007-04/index.html" 'This is the version published on <time datetime="2007-04-30">30 April 2007</time>; <a href="../../index.html">see the current version</a>.' \
	"an old version's home page has the banner"
has "$out/versions/2007-04/who-we-are/index.html" '<a href="../../../who-we-are/index.html">see the current version</a>' \
	"the banner links to the same page of the current site"
has "$out/versions/2007-01/about/index.html" '<a href="../../../about/index.html">see the current version</a>' \
	"a page gone from the current site still links there (its 404 page catches it)"
n=$(find "$out/versions/2007-04" -name '*.html' | wc -l)
m=$(grep -l "This is the version published on" $(find "$out/versions/2007-04" -name '*.html' ! -name 404.html) | wc -l)
[ "$n" -gt 10 ] && [ "$m" = $((n - 1)) ] && ok "every page of an old version carries the banner ($m pages)" || bad "banner on every page ($m of $n)"
has "$out/versions/2007-04/index.html" "Published from version publish/2007-04 ($v04) of 20 April 2007." "an old version's stamp names its tag"
has "$out/versions/2007-04/projects/alpha/index.html" 'Last updated <time datetime="2007-04-20">20 April 2007</time>' \
	"an old version has the dates as they were then"
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["version"] == "publish/2007-04" and v["tag"] == "publish/2007-04" and v["date"] == "2007-04-20" and v["published"] == "2007-04-30", v
' "$out/versions/2007-04/version.json" && ok "an old version's version.json names its tag" || bad "old version.json"

# What changed.
c=$out/versions/2007-04/changes/index.html
has "$c" '<li><a href="../projects/alpha/index.html">COPD</a><p>milestone 1 → 2, amber → green, milestone 3 target 31 December 2007</p></li>' \
	"changes: COPD: milestone 1 → 2, amber → green"
has "$c" '<li><a href="../meetings/2007-04-18-executive/index.html">Executive committee, 18 April 2007</a></li>' "changes: the new meeting"
has "$c" "<li>milestone 3 &#39;Go live&#39;: check &#39;trained&#39; added</li>" "changes: the plan's new check"
has "$c" '<a href="../../2007-01/about/index.html">About us</a>' "changes: a removed page links into the version before"
has "$c" '<a href="../patients/index.html">Patients&#39; forum</a>' "changes: an added page"
has "$out/versions/2007-01/changes/index.html" "This is the first published version" "the first version has nothing to compare with"

# plansite changes REV1 REV2
"$PLANSITE" -C "$repo" changes publish/2007-01 publish/2007-04 >"$tmp/changes" 2>"$tmp/err"
st=$?
v01=$(git -C "$repo" rev-parse --short=7 'publish/2007-01^{commit}')
cat >"$tmp/changes.want" <<EOF
Changes from publish/2007-01 ($v01, 20 January 2007) to publish/2007-04 ($v04, 20 April 2007), as the public sees them

Documents added (4)
  + content/meetings/2007-04-18-executive.md  Executive committee, 18 April 2007
  + content/pages/patients.md  Patients' forum
  + content/pages/who-we-are.md  About us
  + content/plan/01-introduction.md  Introduction
Documents removed (2)
  - content/pages/about.md  About us
  - content/plan/01-intro.md  Introduction
Documents changed (1)
  ~ content/projects/alpha.md  COPD
Projects (1)
  COPD: milestone 1 → 2, amber → green, milestone 3 target 31 December 2007
New meetings (1)
  Executive committee, 18 April 2007
New reports (0)
Plan (1)
  milestone 3 'Go live': check 'trained' added
EOF
[ $st = 0 ] && diff "$tmp/changes.want" "$tmp/changes" >/dev/null && ok "plansite changes prints the comparison" ||
	{ bad "plansite changes (exit $st)"; diff "$tmp/changes.want" "$tmp/changes"; cat "$tmp/err"; }
"$PLANSITE" -C "$repo" changes publish/2007-01 >/dev/null 2>"$tmp/err"
[ $? = 2 ] && ok "changes with one revision is usage" || bad "changes with one revision is usage"
"$PLANSITE" -C "$repo" changes publish/2007-01 nope >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q "unknown revision 'nope'" "$tmp/err" && ok "changes with an unknown revision exits 3" || bad "changes with an unknown revision exits 3"

# --- links and HTML of the history and versions pages --------------------------
# The checkers that run-browser.sh installs (npm ci); skipped without them.
top=$(dirname "$here")
if [ -f "$top/node_modules/vnu-jar/build/dist/vnu.jar" ] && command -v java >/dev/null && command -v node >/dev/null; then
	# The only links that may lead nowhere: an old version's "see the current
	# version" on pages removed since (the current site's 404 page catches them).
	node "$top/tests/browser/check-site.mjs" --base-url https://test.example/ "$out" 2>&1 |
		grep -v '^check-site: ' | sed "s|^$out/||" | sort >"$tmp/links"
	cat >"$tmp/links.want" <<'EOF2'
versions/2007-01/about/index.html:20: broken link: no such file: "../../../about/index.html"
versions/2007-01/history/pages/about/index.html:19: broken link: no such file: "../../../../../history/pages/about/index.html"
versions/2007-01/history/plan/01-intro/index.html:19: broken link: no such file: "../../../../../history/plan/01-intro/index.html"
versions/2007-01/plan/01-intro/index.html:19: broken link: no such file: "../../../../plan/01-intro/index.html"
EOF2
	diff "$tmp/links.want" "$tmp/links" >/dev/null && ok "every link resolves (but banners to removed pages), feeds of old versions included" ||
		{ bad "links"; diff "$tmp/links.want" "$tmp/links"; }
	java -jar "$top/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only --skip-non-html "$out" 2>"$tmp/vnu" &&
		ok "Nu HTML checker: no errors in history, versions and changes pages" || { bad "Nu HTML checker"; head -20 "$tmp/vnu"; }
else
	echo "skip links and HTML (no node_modules: run tests/run-browser.sh once)"
fi

# --- the cache, and reproducibility -----------------------------------------
[ ! -e "$repo/.plansite-cache" ] && [ -d "$PLANSITE_CACHE/versions" ] && [ -z "$(git -C "$repo" status --porcelain)" ] &&
	ok "the cache is outside the work tree, where PLANSITE_CACHE says" || bad "the cache is outside the work tree, where PLANSITE_CACHE says"
before=$(find "$PLANSITE_CACHE/versions" -type f -newer "$tmp/stdout" | wc -l)
sleep 1
touch "$tmp/mark"
"$PLANSITE" -C "$repo" build --out "$tmp/again" --verbose >/dev/null 2>"$tmp/err2"
has "$tmp/err2" "plansite: version publish/2007-01: taken from the cache" "second build takes publish/2007-01 from the cache"
has "$tmp/err2" "plansite: version publish/2007-04: taken from the cache" "second build takes publish/2007-04 from the cache"
has "$tmp/err2" "plansite: history: 7 commits, 7 from the cache, 0 read" "second build takes every commit's changes from the cache"
[ "$(find "$PLANSITE_CACHE/versions" -type f -newer "$tmp/mark" | wc -l)" = 0 ] && ok "second build writes nothing into the versions cache" ||
	bad "second build writes nothing into the versions cache"
diff -r "$out" "$tmp/again" >/dev/null && ok "two builds are byte-identical, versions included" || bad "two builds are byte-identical"
rm -rf "$PLANSITE_CACHE"
"$PLANSITE" -C "$repo" build --out "$tmp/fresh" >/dev/null 2>&1
diff -r "$out" "$tmp/fresh" >/dev/null && ok "a build without the cache gives the same bytes" || bad "a build without the cache gives the same bytes"

# --- options ---------------------------------------------------------------
"$PLANSITE" -C "$repo" build --out "$tmp/nov" --no-versions >/dev/null 2>"$tmp/err"
[ ! -e "$tmp/nov/versions" ] && ok "--no-versions: no versions/" || bad "--no-versions: no versions/"
hasnt "$tmp/err" "publish/2007-05" "--no-versions: no warning about tags"
hasnt "$tmp/nov/index.html" "Earlier versions" "--no-versions: no link to versions/"
"$PLANSITE" -C "$repo" build --out "$tmp/noh" --no-history >/dev/null 2>&1
[ ! -e "$tmp/noh/history" ] && ok "--no-history: no history/" || bad "--no-history: no history/"
hasnt "$tmp/noh/who-we-are/index.html" "Last updated" "--no-history: no last-updated line"
hasnt "$tmp/noh/versions/2007-04/who-we-are/index.html" "Last updated" "--no-history: none in old versions either"
"$PLANSITE" -C "$repo" build --out "$tmp/tagged" --ref publish/2007-04 >/dev/null 2>&1
has "$tmp/tagged/index.html" "Published from version publish/2007-04 ($v04) of 20 April 2007." "a build of a tagged commit is stamped with the tag"
"$PLANSITE" -C "$repo" build --out "$tmp/draft" --worktree >/dev/null 2>&1
has "$tmp/draft/index.html" "Draft preview: built from files not yet committed." "a --worktree build is stamped draft"
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["version"] == "draft" and v["draft"] is True and v["commit"] is None, v
' "$tmp/draft/version.json" && ok "a --worktree build's version.json says draft" || bad "draft version.json"

# --- a shallow clone -------------------------------------------------------------
git clone -q --depth 3 "file://$repo" "$tmp/shallow" 2>/dev/null
[ -f "$tmp/shallow/.git/shallow" ] && ok "the clone is shallow" || bad "the clone is shallow"
PLANSITE_CACHE="$tmp/cache-shallow" "$PLANSITE" -C "$tmp/shallow" build --out "$tmp/sout" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 0 ] && ok "a shallow clone builds" || { bad "a shallow clone builds (exit $st)"; cat "$tmp/err"; }
has "$tmp/err" "warning: this is a shallow clone" "the build says it is shallow"
has "$tmp/err" "[W010]" "the shallow warning is W010"
hist "$tmp/sout/history/projects/alpha/index.html" | cut -d'|' -f1,2 >"$tmp/h4"
printf '%s\n' "2007-05-15|Fix the clinical lead" "2007-05-10|Unknown clinical lead" "2007-05-02|Edit who-we-are" >"$tmp/h4.want"
diff "$tmp/h4.want" "$tmp/h4" >/dev/null && ok "a shallow history lists what there is" || { bad "shallow history"; diff "$tmp/h4.want" "$tmp/h4"; }
has "$tmp/sout/history/projects/alpha/index.html" "the earliest version in this copy of the history" "the boundary commit is marked"
has "$tmp/sout/who-we-are/index.html" 'Last updated <time datetime="2007-05-02">2 May 2007</time>' "shallow: last updated from what history there is"

# --- the cache stays small; audiences are cached apart ---------------------------
"$PLANSITE" -C "$repo" build --out "$tmp/prac" --audience practices >/dev/null 2>&1
[ "$(ls "$PLANSITE_CACHE/versions" | wc -l)" = 4 ] && ok "each audience has its own cached versions" ||
	bad "each audience has its own cached versions ($(ls "$PLANSITE_CACHE/versions" | wc -l))"
mkdir -p "$repo/themes/default/static"
echo "/* a site's own addition */" >"$repo/themes/default/static/extra.css"
g add -A
commit 2007-05-20 "Add a stylesheet"
"$PLANSITE" -C "$repo" build --out "$tmp/restyled" --verbose >/dev/null 2>"$tmp/err"
has "$tmp/err" "plansite: version publish/2007-04: rendered into the cache" "a theme change renders the versions again"
ls "$tmp/restyled/versions/2007-04/static/"extra.*.css >/dev/null 2>&1 && ok "old versions take the current theme" ||
	bad "old versions take the current theme"
[ "$(ls "$PLANSITE_CACHE/versions" | wc -l)" = 4 ] && ok "and the outputs of the old theme are dropped" ||
	bad "the outputs of the old theme are dropped ($(ls "$PLANSITE_CACHE/versions" | wc -l))"

# --- a tag on a commit that has no site ------------------------------------------
empty=$(GIT_AUTHOR_DATE="2007-05-21T12:00:00+0000" GIT_COMMITTER_DATE="2007-05-21T12:00:00+0000" \
	git -C "$repo" -c user.name=Test -c user.email=test@example.org commit-tree \
	4b825dc642cb6eb9a060e54bf8d69288fbee4904 -m "Nothing here")
g tag publish/empty "$empty"
"$PLANSITE" -C "$repo" build --out "$tmp/empty" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 0 ] && grep -qF "version 'publish/empty' is left out: its site cannot be read" "$tmp/err" &&
	ok "a tag with no site in its tree is left out with a warning" || { bad "a tag with no site (exit $st)"; cat "$tmp/err"; }
g tag -d publish/empty

# --- a tag on a branch the build's commit does not contain ---------------------------
g checkout -q -b elsewhere HEAD~1
printf '\nA note made on another branch.\n' >>"$repo/content/pages/who-we-are.md"
g add -A
commit 2007-05-22 "Note on another branch"
GIT_COMMITTER_DATE="2007-05-22T18:00:00+0000" g tag -a publish/2007-05-branch -m "Branch edition"
g checkout -q main
"$PLANSITE" -C "$repo" build --out "$tmp/branch" --verbose >/dev/null 2>"$tmp/err"
has "$tmp/branch/versions/2007-05-branch/who-we-are/index.html" 'Last updated <time datetime="2007-05-22">22 May 2007</time>' \
	"a version on another branch has its own history"
has "$tmp/branch/who-we-are/index.html" 'Last updated <time datetime="2007-05-02">2 May 2007</time>' \
	"and the current site keeps its own"
g tag -d publish/2007-05-branch
g branch -q -D elsewhere

# --- a merge ------------------------------------------------------------------------
g checkout -q -b side HEAD~1
printf '\nThe forum now meets monthly.\n' >>"$repo/content/pages/patients.md"
g add -A
commit 2007-05-17 "Patients' forum meets monthly"
g checkout -q main
GIT_AUTHOR_DATE="2007-05-25T12:00:00+0000" GIT_COMMITTER_DATE="2007-05-25T12:00:00+0000" g merge -q --no-ff -m "Merge the forum" side
"$PLANSITE" -C "$repo" build --out "$tmp/merged" >/dev/null 2>&1
hist "$tmp/merged/history/pages/patients/index.html" | cut -d'|' -f1,2 >"$tmp/h5"
printf '%s\n' "2007-05-17|Patients' forum meets monthly" "2007-03-05|Add a patients page" >"$tmp/h5.want"
sed -i "s/'/\&#39;/" "$tmp/h5.want"
diff "$tmp/h5.want" "$tmp/h5" >/dev/null && ok "a merged branch's change is the page's, the merge is not" || { bad "merge history"; diff "$tmp/h5.want" "$tmp/h5"; }
has "$tmp/merged/patients/index.html" 'Last updated <time datetime="2007-05-17">17 May 2007</time>' "last updated comes through the merge"

# --- a long history, read on several threads ---------------------------------------
# 700 commits made with git fast-import (each adds a meeting or edits one
# added before, some rename one): a first build reads every commit's changes
# on several threads; one thread must give the same pages and the same cache.
long=$tmp/long
cp -r "$here/sites/valid-minimal" "$long"
rm -f "$long/expected"
git init -q -b main "$long"
g_long() { git -C "$long" -c user.name=Test -c user.email=test@example.org "$@" >/dev/null; }
g_long add -A
GIT_AUTHOR_DATE="2006-01-01T12:00:00+0000" GIT_COMMITTER_DATE="2006-01-01T12:00:00+0000" g_long commit -q -m "Import"
meeting_text() { # day n
	sed -e "s/^date: .*/date: $1/" -e "s/^title: .*/title: Meeting $2/" \
		"$here/sites/valid-minimal/content/meetings/2007-01-17-executive.md"
}
{
	i=1
	while [ $i -le 700 ]; do
		d=$(date -u -d "2006-01-02 + $((i / 3)) days" +%Y-%m-%d)
		t=$(date -u -d "$d 12:00" +%s)
		echo "commit refs/heads/main"
		echo "committer Test <test@example.org> $((t + i)) +0000"
		echo "data <<EOM"
		echo "Change $i"
		echo "EOM"
		[ $i = 1 ] && echo "from refs/heads/main^0"
		if [ $((i % 5)) = 0 ]; then
			j=$((i - 3))
			dj=$(date -u -d "2006-01-02 + $((j / 3)) days" +%Y-%m-%d)
			echo "R content/meetings/$dj-m$j.md content/meetings/$dj-r$j.md"
		else
			body=$(meeting_text "$d" "$i")
			echo "M 100644 inline content/meetings/$d-m$i.md"
			echo "data <<EOM"
			printf '%s\n' "$body"
			echo "EOM"
		fi
		echo
		i=$((i + 1))
	done
} | git -C "$long" fast-import --quiet
git -C "$long" reset -q --hard main
n=$(git -C "$long" rev-list --count HEAD)
export PLANSITE_CACHE="$tmp/cache-long"
PLANSITE_JOBS=1 "$PLANSITE" -C "$long" build --audience practices --no-pdf --out "$tmp/long1" 2>"$tmp/long1.err"
mv "$PLANSITE_CACHE/history" "$tmp/long1.history"
rm -rf "$PLANSITE_CACHE"
PLANSITE_JOBS=4 "$PLANSITE" -C "$long" build --audience practices --no-pdf --verbose --out "$tmp/long4" 2>"$tmp/long4.err"
if [ "$n" = 701 ] && grep -q "history: 701 commits, 0 from the cache, 701 read" "$tmp/long4.err" &&
	diff -r -q "$tmp/long1" "$tmp/long4" >/dev/null && cmp -s "$tmp/long1.history" "$PLANSITE_CACHE/history"; then
	ok "701 commits read on 4 threads: the pages and the cache of one thread"
else
	bad "701 commits on 4 threads and on one differ ($n commits)"
	tail -3 "$tmp/long4.err"
fi
hist "$tmp/long4/history/meetings/$(date -u -d "2006-01-02 + 232 days" +%Y-%m-%d)-r697/index.html" |
	cut -d'|' -f2 | head -2 >"$tmp/h6"
printf '%s\n' "Change 700" "Change 697" >"$tmp/h6.want"
diff "$tmp/h6.want" "$tmp/h6" >/dev/null && ok "a renamed meeting's history goes back through the rename" ||
	{ bad "a renamed meeting's history"; diff "$tmp/h6.want" "$tmp/h6"; }

echo "history: $fail failed"
[ "$fail" = 0 ]
