#!/bin/sh
# run-withdrawal.sh: withdrawal reaches every output, and history counts each
# audience's own text. A repository with dated commits, from valid-minimal:
#
#   2007-01-20  Import the site
#   2007-01-25  Draft the news (NEWSSECRETSUBJ)      pages/news.md, confidential
#   2007-02-03  Edit the draft (NEWSSECRETEDIT)      still confidential
#   2007-02-05  Add a practices note                 about.md: a practices fence
#   2007-02-12  February: beacon, harbour, compass   three public projects (milestone 1
#               reached in February), a public board meeting (a decision, an open
#               action due in February), a practices forum, a public audit
#               meeting (two decisions, two actions), the February report
#   2007-02-26  tag publish/2007-02
#   2007-03-05  Publish the news                     news.md public
#   2007-03-10  Rename harbour to haven
#   2007-03-20  Edit the practices note              inside the fence only
#   2007-03-22  A second forum (practices)           tag publish/2007-03 (25 Mar)
#   2007-04-10  Update the news
#   2007-04-12  Delete compass
#   2007-05-02  Withdraw                             beacon, haven and the board
#               meeting confidential; the forum (practices) confidential; an
#               action and a decision of the audit meeting (27 February), and
#               the person bkhan, confidential
#   2007-05-03  Reword the withdrawn action          (hidden: no public change)
#
# Every canary of what was withdrawn must be gone from every output of the
# build at HEAD (the February report's web page, print page and PDF,
# `plansite report`, every version, their changes pages, the feeds and the
# search index), while the tree of publish/2007-03 built on its own still
# shows them (so the test can fail). compass, deleted, is still shown as it
# was. History: news.md's page lists only its public commits; an edit inside
# the practices fence is not in the public history. The versions cache is
# keyed by the withdrawals (a withdrawal renders the versions again; an
# unrelated change does not), and a fresh build gives the same bytes.
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
# has FILE TEXT NAME: FILE holds TEXT (fixed string); hasnt: it does not
has() { if grep -qF -- "$2" "$1" 2>/dev/null; then ok "$3"; else bad "$3"; echo "     '$2' not in $1"; fi; }
hasnt() {
	if [ ! -e "$1" ]; then bad "$3 ($1 is missing)"
	elif grep -qF -- "$2" "$1"; then bad "$3"; echo "     '$2' in $1"
	else ok "$3"; fi
}
# nowhere DIR TEXT NAME: no file under DIR holds TEXT (PDFs by their text)
nowhere() {
	found=$(grep -rlF -- "$2" "$1" 2>/dev/null | head -3)
	for p in $(find "$1" -name '*.pdf'); do
		pdftotext -layout "$p" - 2>/dev/null | grep -qF -- "$2" && found="$found $p"
	done
	if [ -z "$found" ]; then ok "$3"; else bad "$3"; echo "     '$2' in:$found"; fi
}
somewhere() {
	if grep -rqF -- "$2" "$1" 2>/dev/null; then ok "$3"; else bad "$3"; echo "     '$2' nowhere under $1"; fi
}

# cut_memo NAME REF PATTERN: the cache's memo NAME cut short is ignored
# whole: a build reads the old versions again (its --verbose matches
# PATTERN) and makes the pages of the build in REF, byte for byte
cut_memo() {
	m=$(find "$PLANSITE_CACHE" -name "$1" 2>/dev/null | head -1)
	if [ -z "$m" ]; then bad "the $1 memo is in the cache"; return; fi
	head -c $(($(wc -c <"$m") / 2)) "$m" >"$tmp/cut" && cat "$tmp/cut" >"$m"
	o=$tmp/out-cut-$1
	"$PLANSITE" -C "$repo" build --out "$o" --verbose >/dev/null 2>"$o.err"
	grep -q "$3" "$o.err" && ok "a $1 memo cut short is read again" ||
		{ bad "a $1 memo cut short is read again"; grep -e history: -e withdrawal: "$o.err"; }
	diff -r "$2" "$o" >/dev/null && ok "... and the pages are the same" || bad "... and the pages are the same"
}

export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp"
g() { git -C "$repo" -c user.name=Test -c user.email=test@example.org -c commit.gpgsign=false \
	-c tag.gpgsign=false "$@" >/dev/null; }
commit() { # date message
	g add -A
	GIT_AUTHOR_DATE="$1T12:00:00+0000" GIT_COMMITTER_DATE="$1T12:00:00+0000" g commit -q -m "$2"
}
atag() { # name date message
	GIT_COMMITTER_DATE="$2T18:00:00+0000" g tag -a "$1" -m "$3"
}
project() { # id title visibility
	cat >"$repo/content/projects/$1.md" <<EOF
---
title: $2
area: outpatients
status: green
summary: The $2 summary.
clinical_leads: [alee]
project_manager: pm
funding: [les]
milestones:
  1: { reached: 2007-02-10, checks: [objectives, costs] }
  2: { target: 2007-09-30, checks: [resources] }
visibility: $3
---
The $2 body.
EOF
}
report() { # month
	cat >"$repo/content/reports/$1.md" <<EOF
---
title: Programme status report
month: "$1"
---
## Summary

The narrative of $1.
EOF
}
board() { # visibility
	cat >"$repo/content/meetings/2007-02-14-board.md" <<EOF
---
title: Board LANTERNTITLE
date: 2007-02-14
start: "10:00"
end: "11:00"
venue: South Surgery
visibility: $1
attendees: [alee, bkhan]
decisions:
  - Adopt the LANTERNDECISION plan.
actions:
  - { id: 1, text: Cost the LANTERNACTION plan, owner: bkhan, due: 2007-02-20 }
---
The LANTERNBODY minutes.
EOF
}
forum() { # file visibility canary
	cat >"$repo/content/meetings/$1.md" <<EOF
---
title: Forum $3
date: ${1%-forum*}
start: "18:00"
end: "19:00"
venue: North Surgery
visibility: $2
attendees: [alee]
decisions:
  - Hear the $3 patients.
---
The $3 minutes.
EOF
}
audit() { # the visibility of its second action and second decision
	cat >"$repo/content/meetings/2007-02-27-audit.md" <<EOF
---
title: Audit committee
date: 2007-02-27
start: "10:00"
end: "11:00"
venue: South Surgery
visibility: public
attendees: [alee, bkhan]
decisions:
  - Keep the AUDITDECISIONKEPT register.
  - { text: Drop the AUDITDECISIONGONE register., visibility: $1 }
actions:
  - { id: 1, text: File the AUDITACTIONKEPT returns, owner: bkhan, due: 2007-02-27 }
  - { id: 2, text: File the AUDITACTIONGONE returns, owner: bkhan, due: 2007-02-27, visibility: $1 }
---
The audit minutes.
EOF
}
news() { # visibility line
	cat >"$repo/content/pages/news.md" <<EOF
---
title: News
summary: What is new.
visibility: $1
---
$2
EOF
}
about() { # note (empty: none)
	cat >"$repo/content/pages/about.md" <<EOF
---
title: About us
summary: Who we are.
---
We are a test group.
EOF
	[ -n "$1" ] && printf '\n<!-- visibility: practices -->\nFor the practices: %s.\n<!-- /visibility -->\n' "$1" \
		>>"$repo/content/pages/about.md"
}

cp -r "$here/sites/valid-minimal" "$repo"
rm -f "$repo/expected" "$repo/content/reports/2007-04.md"
git init -q -b main "$repo"
commit 2007-01-20 "Import the site"
news confidential "The NEWSSECRETBODY draft."
commit 2007-01-25 "Draft the news NEWSSECRETSUBJ"
news confidential "The NEWSSECRETBODY draft, longer."
commit 2007-02-03 "Edit the draft NEWSSECRETEDIT"
about "PRACTNOTE1"
commit 2007-02-05 "Add a practices note"
project beacon "Beacon BEACONPROJ" public
project harbour "Harbour HARBOURCANARY" public
project compass "Compass COMPASSKEPT" public
board public
forum 2007-02-21-forum practices FORUMCANARY
audit public
report 2007-02
commit 2007-02-12 "February"
atag publish/2007-02 2007-02-26 "February edition"
news public "The news, in public."
commit 2007-03-05 "Publish the news"
g mv content/projects/harbour.md content/projects/haven.md
commit 2007-03-10 "Rename harbour to haven"
about "PRACTNOTE2"
commit 2007-03-20 "Edit the practices note"
forum 2007-03-21-forum practices SECONDFORUM
report 2007-03
commit 2007-03-22 "A second forum"
atag publish/2007-03 2007-03-25 "March edition"
news public "The news, in public, updated."
commit 2007-04-10 "Update the news"
g rm -q content/projects/compass.md
commit 2007-04-12 "Delete compass"
before=$(git -C "$repo" rev-parse HEAD)

# --- before the withdrawal: the canaries are there (the test can fail) -------
pre=$tmp/pre
"$PLANSITE" -C "$repo" build --out "$pre" --verbose >/dev/null 2>"$tmp/pre.err" ||
	{ bad "the build before the withdrawal"; cat "$tmp/pre.err"; }
has "$tmp/pre.err" "plansite: version publish/2007-02: rendered into the cache" "before: publish/2007-02 rendered"
for c in BEACONPROJ HARBOURCANARY LANTERNDECISION LANTERNACTION COMPASSKEPT AUDITDECISIONGONE AUDITACTIONGONE 'Dr B Khan'; do
	has "$pre/reports/2007-02/index.html" "$c" "before: the February report shows $c"
done
somewhere "$pre/versions/2007-02" LANTERNBODY "before: publish/2007-02 shows the board's minutes"
"$PLANSITE" -C "$repo" build --audience practices --out "$tmp/pre-p" >/dev/null 2>&1
has "$tmp/pre-p/reports/2007-02/index.html" FORUMCANARY "before: the practices' February report shows the forum"

# --- the withdrawal -----------------------------------------------------------
for f in beacon haven; do sed -i 's/^visibility: public$/visibility: confidential/' "$repo/content/projects/$f.md"; done
board confidential
forum 2007-02-21-forum confidential FORUMCANARY
audit confidential
sed -i 's/^- { id: bkhan, name: Dr B Khan, practice: south }$/- { id: bkhan, name: Dr B Khan, role: Practice lead, practice: south, visibility: confidential }/' \
	"$repo/content/people.yaml"
grep -q "visibility: confidential" "$repo/content/people.yaml" || bad "the test could not withdraw bkhan"
commit 2007-05-02 "Withdraw"
sed -i 's/File the AUDITACTIONGONE returns/File the AUDITACTIONGONE returns twice/' "$repo/content/meetings/2007-02-27-audit.md"
commit 2007-05-03 "Reword the withdrawn action"

out=$tmp/out
"$PLANSITE" -C "$repo" build --out "$out" --verbose >/dev/null 2>"$tmp/err"
st=$?
[ $st = 0 ] && ok "the build after the withdrawal exits 0" || { bad "the build after the withdrawal (exit $st)"; cat "$tmp/err"; }
has "$tmp/err" "plansite: version publish/2007-02: rendered into the cache" "a withdrawal renders publish/2007-02 again"
has "$tmp/err" "plansite: version publish/2007-03: rendered into the cache" "a withdrawal renders publish/2007-03 again"
for c in BEACONPROJ HARBOURCANARY LANTERNTITLE LANTERNDECISION LANTERNACTION LANTERNBODY FORUMCANARY \
	AUDITDECISIONGONE AUDITACTIONGONE 'Dr B Khan'; do
	nowhere "$out" "$c" "public build: $c is nowhere (pages, reports, PDFs, versions, feeds, search)"
done
# what was not withdrawn is still there, beside what was
has "$out/reports/2007-02/index.html" AUDITDECISIONKEPT "the February report keeps the decision not withdrawn"
has "$out/reports/2007-02/index.html" AUDITACTIONKEPT "the February report keeps the action not withdrawn"
has "$out/reports/2007-02/index.html" "Name withheld" "the February report withholds a withdrawn person's name (no role then)"
has "$out/versions/2007-02/meetings/2007-02-27-audit/index.html" AUDITDECISIONKEPT \
	"publish/2007-02 keeps the meeting, less its withdrawn items"
has "$out/reports/2007-02/index.html" COMPASSKEPT "a deleted project is still in the February report"
has "$out/reports/2007-02/print/index.html" COMPASSKEPT "... and its print page"
pdftotext -layout "$out"/reports/2007-02/*.pdf "$tmp/feb.txt" 2>/dev/null
has "$tmp/feb.txt" "COMPASSKEPT" "... and its PDF"
hasnt "$tmp/feb.txt" "BEACONPROJ" "the PDF has no withdrawn project"
has "$out/versions/2007-02/projects/compass/index.html" COMPASSKEPT "publish/2007-02 still has the deleted project's page"
[ ! -e "$out/versions/2007-02/projects/beacon" ] && ok "publish/2007-02 has no page of a withdrawn project" ||
	bad "publish/2007-02 has no page of a withdrawn project"
[ ! -e "$out/versions/2007-02/projects/harbour" ] && ok "publish/2007-02 has no page of a renamed, then withdrawn project" ||
	bad "publish/2007-02 has no page of a renamed, then withdrawn project"
[ ! -e "$out/versions/2007-02/meetings/2007-02-14-board" ] && ok "publish/2007-02 has no page of a withdrawn meeting" ||
	bad "publish/2007-02 has no page of a withdrawn meeting"
has "$out/versions/2007-03/changes/index.html" ">News<" "publish/2007-03's changes page: the page made public is added"

# plansite report: the same withdrawal
"$PLANSITE" -C "$repo" report 2007-02 --out "$tmp/rep" >/dev/null 2>"$tmp/rep.err" ||
	{ bad "plansite report 2007-02"; cat "$tmp/rep.err"; }
for c in BEACONPROJ HARBOURCANARY LANTERNDECISION LANTERNACTION AUDITDECISIONGONE AUDITACTIONGONE 'Dr B Khan'; do
	nowhere "$tmp/rep" "$c" "plansite report 2007-02: no $c"
done
has "$tmp/rep/index.html" AUDITACTIONKEPT "plansite report 2007-02: the action not withdrawn"
has "$tmp/rep/index.html" COMPASSKEPT "plansite report 2007-02: the deleted project"

# the practices' build: a practices-only meeting made confidential is gone
"$PLANSITE" -C "$repo" build --audience practices --out "$tmp/outp" >/dev/null 2>"$tmp/errp" ||
	{ bad "the practices' build"; cat "$tmp/errp"; }
nowhere "$tmp/outp" FORUMCANARY "practices' build: the withdrawn forum is nowhere"
nowhere "$tmp/outp" LANTERNDECISION "practices' build: the withdrawn board meeting is nowhere"
has "$tmp/outp/reports/2007-03/index.html" SECONDFORUM "practices' build: the forum still practices-only is there"
"$PLANSITE" -C "$repo" report 2007-02 --audience practices --out "$tmp/repp" >/dev/null 2>&1
nowhere "$tmp/repp" FORUMCANARY "plansite report --audience practices: no withdrawn forum"

# the tree of publish/2007-03 on its own still shows what it showed
"$PLANSITE" -C "$repo" build --ref publish/2007-03 --no-versions --out "$tmp/old" >/dev/null 2>&1
has "$tmp/old/reports/2007-02/index.html" BEACONPROJ "publish/2007-03 built on its own still shows its projects"

# --- history per audience -----------------------------------------------------
h=$out/history/pages/news/index.html
has "$h" "Publish the news" "news history: the commit that published it"
has "$h" "Update the news" "news history: its public edit"
hasnt "$h" "NEWSSECRETSUBJ" "news history: no commit of its confidential period"
hasnt "$h" "NEWSSECRETEDIT" "news history: no edit of its confidential period"
has "$out/news/index.html" 'Last updated <time datetime="2007-04-10">10 April 2007</time>' "news: last updated 10 April 2007"
nowhere "$out" NEWSSECRET "no trace of the confidential period anywhere"
nowhere "$tmp/outp" NEWSSECRET "... nor in the practices' build"
h=$out/history/pages/about/index.html
has "$h" "Import the site" "about history (public): its first commit"
hasnt "$h" "Add a practices note" "about history (public): adding a practices part is not a public change"
hasnt "$h" "Edit the practices note" "about history (public): an edit inside the practices fence is not"
has "$out/about/index.html" 'Last updated <time datetime="2007-01-20">20 January 2007</time>' "about (public): last updated 20 January 2007"
h=$tmp/outp/history/pages/about/index.html
has "$h" "Edit the practices note" "about history (practices): the edit inside the fence"
has "$h" "Add a practices note" "about history (practices): the note added"
has "$tmp/outp/about/index.html" 'Last updated <time datetime="2007-03-20">20 March 2007</time>' "about (practices): last updated 20 March 2007"
hasnt "$out/versions/2007-03/history/pages/about/index.html" "Add a practices note" "a version's history counts the public text too"

h=$out/history/meetings/2007-02-27-audit/index.html
has "$h" "Withdraw" "audit history: the commit that hid two of its items changed what the public reads"
hasnt "$h" "Reword the withdrawn action" "audit history: an edit of a hidden action is not a public change"
has "$out/meetings/2007-02-27-audit/index.html" 'Last updated <time datetime="2007-05-02">2 May 2007</time>' \
	"audit: last updated when its items were hidden, not when a hidden one was edited"

# --- plansite changes ---------------------------------------------------------
"$PLANSITE" -C "$repo" changes publish/2007-02 HEAD >"$tmp/ch" 2>"$tmp/ch.err"
[ $? = 0 ] && ok "plansite changes exits 0" || { bad "plansite changes exits 0"; cat "$tmp/ch.err"; }
has "$tmp/ch" "as the public sees them" "plansite changes says its audience (public by default)"
for c in beacon harbour haven Beacon Harbour board LANTERN forum Forum SECONDFORUM; do
	hasnt "$tmp/ch" "$c" "plansite changes (public): nothing of '$c'"
done
has "$tmp/ch" "  - content/projects/compass.md  Compass COMPASSKEPT" "plansite changes (public): the deleted project"
has "$tmp/ch" "  + content/pages/news.md  News" "plansite changes (public): the page made public since is added"
"$PLANSITE" -C "$repo" changes publish/2007-02 HEAD --audience practices >"$tmp/chp" 2>&1
has "$tmp/chp" "as the practices see them" "plansite changes --audience practices says so"
has "$tmp/chp" "  + content/meetings/2007-03-21-forum.md  Forum SECONDFORUM" "plansite changes (practices): the practices' meeting"
for c in beacon haven FORUMCANARY LANTERN; do
	hasnt "$tmp/chp" "$c" "plansite changes (practices): nothing of '$c'"
done
has "$tmp/chp" "  ~ content/pages/about.md  About us" "plansite changes (practices): the fenced edit is a change"
"$PLANSITE" -C "$repo" changes publish/2007-02 publish/2007-03 >"$tmp/ch23" 2>&1
hasnt "$tmp/ch23" "content/pages/about.md" "plansite changes (public): an edit inside a practices fence is no change"
has "$tmp/ch23" "  + content/pages/news.md  News" "plansite changes (public): a page made public is added"
# between two old revisions, what HEAD has withdrawn since is left out too,
# as the build's changes page of publish/2007-03 has it (REV2's own view
# listed the renamed project, withdrawn after it, and the board meeting)
for c in Harbour Haven LANTERN; do
	hasnt "$tmp/ch23" "$c" "plansite changes publish/2007-02 publish/2007-03 (public): nothing of '$c', withdrawn at HEAD"
done
c=$out/versions/2007-03/changes/index.html
hasnt "$c" "About us" "changes page (public): an edit inside a practices fence is no change"
hasnt "$c" "Harbour" "changes page (public): the renamed, withdrawn project is not removed"
hasnt "$c" "Haven" "changes page (public): ... nor added"

# --- the versions cache knows the withdrawals ---------------------------------
# an unrelated change (a practices meeting added) withdraws nothing from them
forum 2007-05-10-forum practices THIRDFORUM
commit 2007-05-10 "A third forum"
"$PLANSITE" -C "$repo" build --out "$out" --verbose >/dev/null 2>"$tmp/err2"
has "$tmp/err2" "plansite: version publish/2007-02: taken from the cache" "an unrelated change keeps publish/2007-02 cached"
has "$tmp/err2" "plansite: version publish/2007-03: taken from the cache" "... and publish/2007-03"
has "$tmp/err2" "plansite: history: 0 old versions read for the public audience" \
	"what the public reads of old versions is taken from the cache"
# a texts cache cut short is ignored whole: the versions are read again, the same pages made
cut_memo texts-public "$out" "plansite: history: [1-9][0-9]* old versions read for the public audience"
# a practices-only withdrawal: the second forum, made confidential
"$PLANSITE" -C "$repo" build --audience practices --out "$tmp/outp" --verbose >/dev/null 2>"$tmp/errp2"
has "$tmp/errp2" "plansite: version publish/2007-03: taken from the cache" "practices: cached before the next withdrawal"
forum 2007-03-21-forum confidential SECONDFORUM
commit 2007-05-12 "Withdraw the second forum"
"$PLANSITE" -C "$repo" build --audience practices --out "$tmp/outp" --verbose >/dev/null 2>"$tmp/errp3"
has "$tmp/errp3" "plansite: version publish/2007-03: rendered into the cache" "practices: a practices-only withdrawal renders publish/2007-03 again"
has "$tmp/errp3" "plansite: version publish/2007-02: taken from the cache" "practices: ... but not publish/2007-02, which never had it"
nowhere "$tmp/outp" SECONDFORUM "practices: the second forum is nowhere now"
"$PLANSITE" -C "$repo" build --out "$out" --verbose >/dev/null 2>"$tmp/err3"
has "$tmp/err3" "plansite: version publish/2007-03: taken from the cache" "public: a practices-only withdrawal keeps the public versions cached"
# --- deleting or rewording what was withdrawn does not publish it again -------
# Deleting is not withdrawing, and it is not publishing again either: what is
# gone from the tree being built keeps the visibility it had when it went.
# beacon (confidential) and haven (harbour renamed, confidential) deleted; the
# board meeting and the first forum (confidential) deleted; the audit meeting's
# withdrawn decision reworded and its withdrawn action removed; bkhan
# (confidential) removed from people.yaml. compass, deleted while public,
# stays in the old reports and versions.
g rm -q content/projects/beacon.md content/projects/haven.md \
	content/meetings/2007-02-14-board.md content/meetings/2007-02-21-forum.md
audit confidential
sed -i -e 's/Drop the AUDITDECISIONGONE register./Drop the AUDITDECISIONGONE register at once./' \
	-e '/AUDITACTIONGONE/d' "$repo/content/meetings/2007-02-27-audit.md"
for f in $(grep -rl bkhan "$repo/content/meetings" "$repo/content/projects"); do
	sed -i -e 's/bkhan/alee/g' -e 's/\[alee, alee\]/[alee]/' "$f"
done
sed -i '/id: bkhan/d' "$repo/content/people.yaml"
grep -rq bkhan "$repo/content" && bad "the test could not remove bkhan"
commit 2007-05-14 "Delete what was withdrawn"
"$PLANSITE" -C "$repo" build --out "$out" --verbose >/dev/null 2>"$tmp/err4"
st=$?
[ $st = 0 ] && ok "the build after the deletions exits 0" || { bad "the build after the deletions (exit $st)"; cat "$tmp/err4"; }
for c in BEACONPROJ HARBOURCANARY LANTERNTITLE LANTERNDECISION LANTERNACTION LANTERNBODY FORUMCANARY \
	AUDITDECISIONGONE AUDITACTIONGONE 'Dr B Khan'; do
	nowhere "$out" "$c" "withdrawn, then deleted: $c is nowhere"
done
for p in projects/beacon projects/harbour meetings/2007-02-14-board; do
	[ ! -e "$out/versions/2007-02/$p" ] && ok "publish/2007-02 has no page $p, withdrawn then deleted" ||
		bad "publish/2007-02 has no page $p, withdrawn then deleted"
done
has "$out/reports/2007-02/index.html" COMPASSKEPT "deleted while public: compass is still in the February report"
has "$out/versions/2007-02/projects/compass/index.html" COMPASSKEPT "... and in publish/2007-02"
has "$out/reports/2007-02/index.html" AUDITDECISIONKEPT "the audit meeting keeps its decision not withdrawn"
"$PLANSITE" -C "$repo" report 2007-02 --out "$tmp/rep4" >/dev/null 2>"$tmp/rep4.err" ||
	{ bad "plansite report 2007-02 after the deletions"; cat "$tmp/rep4.err"; }
for c in BEACONPROJ LANTERNDECISION AUDITDECISIONGONE AUDITACTIONGONE 'Dr B Khan'; do
	nowhere "$tmp/rep4" "$c" "plansite report 2007-02 after the deletions: no $c"
done
"$PLANSITE" -C "$repo" build --audience practices --out "$tmp/outp" >/dev/null 2>"$tmp/errp4" ||
	{ bad "the practices' build after the deletions"; cat "$tmp/errp4"; }
for c in FORUMCANARY LANTERNDECISION AUDITACTIONGONE SECONDFORUM; do
	nowhere "$tmp/outp" "$c" "practices, withdrawn then deleted: $c is nowhere"
done
# the walk found the deleted documents; the meetings' old versions are read
# from git once, then from the cache's memo; a memo cut short is ignored
"$PLANSITE" -C "$repo" build --out "$tmp/out5" --verbose >/dev/null 2>"$tmp/err5"
has "$tmp/err5" "plansite: withdrawal: 5 deleted documents" "the walk finds the five deleted documents"
grep -q "plansite: withdrawal: .* meeting versions (0 read)" "$tmp/err5" &&
	ok "the meetings' old versions come from the cache's memo" ||
	{ bad "the meetings' old versions come from the cache's memo"; grep withdrawal "$tmp/err5"; }
cut_memo items "$tmp/out5" "plansite: withdrawal: .* meeting versions ([1-9][0-9]* read)"
"$PLANSITE" -C "$repo" changes publish/2007-02 HEAD >"$tmp/ch4" 2>&1
for c in beacon harbour haven Beacon Harbour board LANTERN; do
	hasnt "$tmp/ch4" "$c" "plansite changes after the deletions: nothing of '$c'"
done
# the oracle: a fresh build, with a fresh cache, into an empty folder
cp -r "$repo" "$tmp/fresh"
for a in public practices; do
	o=$out; [ $a = practices ] && o=$tmp/outp
	PLANSITE_CACHE="$tmp/fresh-cache-$a" "$PLANSITE" -C "$tmp/fresh" build --audience $a --out "$tmp/fresh-$a" >/dev/null 2>&1
	diff -r "$o" "$tmp/fresh-$a" >"$tmp/diff" 2>&1 && ok "$a: the cached build is byte for byte a fresh one" ||
		{ bad "$a: the cached build is byte for byte a fresh one"; head -20 "$tmp/diff"; }
done

# --- a duplicate key leaves who may see a document in doubt -------------------
# `plansite changes` reads old trees without their findings: a page whose
# front matter says visibility twice (E002, the first value read) is hidden
# from its listing whatever the first value says.
dup=$tmp/dup
cp -r "$here/sites/valid-minimal" "$dup"
git -C "$dup" init -q
gd() { git -C "$dup" -c user.name=Test -c user.email=test@example.org -c commit.gpgsign=false "$@" >/dev/null; }
gd add -A && gd commit -q -m "Import"
printf -- '---\ntitle: DUPSECRETTITLE\nvisibility: public\nvisibility: confidential\n---\nText.\n' \
	>"$dup/content/pages/dup.md"
gd add -A && gd commit -q -m "Add a page"
"$PLANSITE" -C "$dup" changes HEAD~1 HEAD >"$tmp/chdup" 2>&1
hasnt "$tmp/chdup" DUPSECRETTITLE "plansite changes: a page with visibility written twice is not listed"
hasnt "$tmp/chdup" "content/pages/dup.md" "plansite changes: nor its path"

# --- a deleted document whose last version does not parse -----------------------
# What the last version says cannot be read: the document counts as hidden in
# every older output (fail closed). The same history with a last version that
# parses keeps the page in the old version (so the test can fail).
ghost() { # folder broken(yes|no)
	gr=$tmp/$1
	cp -r "$here/sites/valid-minimal" "$gr" && rm -f "$gr/expected"
	git -C "$gr" init -q -b main
	gg() { git -C "$gr" -c user.name=Test -c user.email=test@example.org -c commit.gpgsign=false \
		-c tag.gpgsign=false "$@" >/dev/null; }
	gc() { gg add -A; GIT_AUTHOR_DATE="$1T12:00:00+0000" GIT_COMMITTER_DATE="$1T12:00:00+0000" gg commit -q -m "$2"; }
	printf -- '---\ntitle: Notice\nsummary: A notice.\nvisibility: public\n---\nThe GHOSTCANARY notice.\n' \
		>"$gr/content/pages/notice.md"
	gc 2007-01-20 "Add a notice"
	GIT_COMMITTER_DATE="2007-01-21T18:00:00+0000" gg tag -a publish/2007-01 -m "January edition"
	if [ "$2" = yes ]; then
		printf -- '---\ntitle: [Notice\nvisibility: public\n---\nThe GHOSTCANARY notice.\n' >"$gr/content/pages/notice.md"
	else
		printf -- '---\ntitle: Notice\nsummary: A notice, edited.\nvisibility: public\n---\nThe GHOSTCANARY notice.\n' \
			>"$gr/content/pages/notice.md"
	fi
	gc 2007-01-25 "Edit the notice"
	gg rm -q content/pages/notice.md
	gc 2007-01-30 "Delete the notice"
	"$PLANSITE" -C "$gr" build --out "$gr-out" >/dev/null 2>"$gr.err" ||
		{ bad "$1: the build exits 0"; cat "$gr.err"; }
}
ghost ghost-parses no
somewhere "$tmp/ghost-parses-out/versions/2007-01" GHOSTCANARY \
	"a deleted page whose last version parses (public) stays in the old version"
ghost ghost-broken yes
[ -d "$tmp/ghost-broken-out/versions/2007-01" ] && ok "the old version is built" || bad "the old version is built"
nowhere "$tmp/ghost-broken-out" GHOSTCANARY "a deleted page whose last version does not parse counts as hidden"

echo "withdrawal: $fail failed"
[ $fail = 0 ]
