#!/bin/sh
# run-items.sh: front matter fails closed, and items (actions, decisions,
# people) carry their own visibility, in every output.
#
# A repository made from tests/build/items (a clean site with canaries in
# hidden actions, decisions and people, and in a confidential meeting and an
# action whose visibility comes after their 64th key) has two commits:
#   1. 2007-04-28, tagged publish/2007-04: the site, plus documents, items and
#      people whose visibility is empty, null, a list, in the wrong case, a
#      misspelt or differently cased key, or a merge key, each with canaries;
#   2. 2007-05-10: those taken out again (the tree checks clean).
# The build of HEAD takes April's report data from commit 1, loaded with its
# findings dropped, and the published version from commit 1 too: so the bad
# visibilities of commit 1 are read by steps that ignore their errors, and
# must still hide everything. Every file of the public build (HTML, JSON,
# XML, ICS, the PDFs' text via pdftotext) holds no canary; the practices
# build holds no confidential one; `plansite report` the same. Positive
# checks: the visible items are there, hidden people named by role alone
# (and in `plansite changes`, after a third commit changes alpha's team).
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
has() { # file pattern name
	if grep -q -- "$2" "$1" 2>/dev/null; then ok "$3"; else bad "$3 (no '$2' in ${1#"$tmp"/})"; fi
}

# The text of one file, so that no markup, line folding or line breaking
# splits a canary: a PDF's through pdftotext, the calendar unfolded; then
# upper case without spaces and hyphens ("CANARY-X" is found as "CANARYX"
# even where a PDF's line broke it).
flat1() { # file
	case $1 in
	*.pdf) pdftotext -raw "$1" - 2>/dev/null ;;
	*.ics) sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\n //g' "$1" ;;
	*) cat "$1" ;;
	esac | tr -d ' \t\r\n-' | tr 'a-z' 'A-Z'
}
# A word flattened the same way.
word() { printf '%s' "$1" | tr -d ' -' | tr 'a-z' 'A-Z'; }
# The files of dir whose text holds word.
holding() { # dir word
	find "$1" -type f | LC_ALL=C sort | while read -r f; do
		flat1 "$f" | grep -q "$(word "$2")" && echo "${f#"$1"/}"
	done
}
noleak() { # dir word name
	holding "$1" "$2" >"$tmp/hits"
	if [ -s "$tmp/hits" ]; then
		sed 's/^/     /' "$tmp/hits"
		bad "$3"
	else
		ok "$3 ($(find "$1" -type f | wc -l) files, $(find "$1" -name '*.pdf' | wc -l) PDFs)"
	fi
}
shows() { # file word name
	if flat1 "$1" | grep -q "$(word "$2")"; then ok "$3"; else bad "$3 (no $2 in ${1#"$tmp"/})"; fi
}
hides() { # file word name
	if flat1 "$1" | grep -q "$(word "$2")"; then bad "$3 ($2 in ${1#"$tmp"/})"; else ok "$3"; fi
}

repo=$tmp/repo
g() { git -C "$repo" -c user.name=Test -c user.email=test@example.org "$@" >/dev/null; }
commit() { # when message
	g add -A
	GIT_AUTHOR_DATE="$1T12:00:00+00:00" GIT_COMMITTER_DATE="$1T12:00:00+00:00" g commit -q -m "$2"
}
cp -r "$here/build/items" "$repo"
git init -q -b main "$repo"
C=$repo/content
cp "$C/people.yaml" "$tmp/people.yaml"
cp "$C/meetings/2007-04-11-executive.md" "$tmp/executive.md"

# --- commit 1: bad visibilities, each with canaries ------------------------
project() { # id title-canary front-matter-line
	cat >"$C/projects/$1.md" <<EOF
---
title: Project $2
area: outpatients
status: green
summary: The $2 summary.
clinical_leads: [alee]
project_manager: pm
funding: [les]
milestones:
  1: { reached: 2007-04-05, checks: [objectives, costs] }
$3
---
The $2 body.
EOF
}
project gamma CANARY-CONFIDENTIAL-EMPTY-PROJECT "visibility:"
project theta CANARY-CONFIDENTIAL-NULL-PROJECT "visibility: ~"
project iota CANARY-CONFIDENTIAL-WORD-NULL-PROJECT "visibility: null"
project eta CANARY-CONFIDENTIAL-LIST-PROJECT "visibility: [confidential]"
project kappa CANARY-CONFIDENTIAL-MAP-PROJECT "visibility: { is: confidential }"
project lambda CANARY-CONFIDENTIAL-QUOTED-EMPTY-PROJECT 'visibility: ""'
project delta CANARY-CONFIDENTIAL-CASE-KEY-PROJECT "Visibility: confidential"
project mu CANARY-CONFIDENTIAL-UPPER-KEY-PROJECT "VISIBILITY: confidential"
project epsilon CANARY-CONFIDENTIAL-MISSPELT-KEY-PROJECT "visiblity: confidential"
project nu CANARY-CONFIDENTIAL-DIGIT-KEY-PROJECT "vis1bility: confidential"
project xi CANARY-CONFIDENTIAL-ZWSP-KEY-PROJECT "$(printf 'visibility\342\200\213: confidential')"
project zeta CANARY-CONFIDENTIAL-MERGE-KEY-PROJECT "<<: { visibility: confidential }"
meeting() { # id title-canary front-matter-line
	cat >"$C/meetings/2007-04-$1-audit.md" <<EOF
---
title: Audit $2
date: 2007-04-$1
start: "10:00"
end: "11:00"
venue: The $2 venue
attendees: [alee]
$3
decisions:
  - Agree the $2-DECISION report.
actions:
  - { id: 1, text: File the $2-ACTION report, owner: alee, due: 2007-04-20 }
---
The $2 minutes.
EOF
}
meeting 12 CANARY-CONFIDENTIAL-NULL-MEETING "visibility: null"
meeting 13 CANARY-CONFIDENTIAL-UPPER-KEY-MEETING "VISIBILITY: confidential"
meeting 14 CANARY-CONFIDENTIAL-MISSPELT-KEY-MEETING "visibilty: confidential"
meeting 15 CANARY-CONFIDENTIAL-EMPTY-MEETING "visibility:"
# items of the public meeting, and people
python3 - "$C/meetings/2007-04-11-executive.md" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("actions:\n", """actions:
  - { id: 7, text: Pay the CANARY-CONFIDENTIAL-EMPTY-ACTION-VIS fee, owner: alee, due: 2007-04-20, visibility: }
  - { id: 8, text: Pay the CANARY-CONFIDENTIAL-CASE-KEY-ACTION fee, owner: alee, due: 2007-04-20, Visibility: confidential }
  - { id: 9, text: Check the VISIBLE-ACTION-NINE figures, owner: canary-confidential-badvis, due: 2007-04-20 }
  - { id: 10, text: Check the VISIBLE-ACTION-TEN figures, owner: canary-confidential-nullvis, due: 2007-04-20 }
  - { id: 11, text: Pay the CANARY-CONFIDENTIAL-MERGE-KEY-ACTION fee, owner: alee, due: 2007-04-20, <<: { visibility: confidential } }
  - { id: 12, text: Pay the CANARY-CONFIDENTIAL-WORD-ACTION fee, owner: alee, due: 2007-04-20, visibility: Confidential }
""", 1)
s = s.replace("decisions:\n", """decisions:
  - { text: Agree the CANARY-CONFIDENTIAL-MISSPELT-KEY-DECISION merger, visibilty: confidential }
  - { text: Agree the CANARY-CONFIDENTIAL-NULL-DECISION merger, visibility: ~ }
""", 1)
open(p, "w").write(s)
EOF
cat >>"$C/people.yaml" <<'EOF'
- { id: canary-confidential-badvis, name: Mr CANARY-CONFIDENTIAL-BADVIS-NAME, role: Auditor, organisation: Audit office, Visibility: confidential }
- { id: canary-confidential-nullvis, name: Ms CANARY-CONFIDENTIAL-NULLVIS-NAME, role: Treasurer, organisation: Audit office, visibility: }
EOF
commit 2007-04-28 "April: the audit"
g tag publish/2007-04

# The tree of commit 1 fails check: each bad visibility is an error.
"$PLANSITE" -C "$repo" check --today 2007-05-31 >/dev/null 2>"$tmp/check1.txt"
rc=$?
n6=$(grep -c 'E006' "$tmp/check1.txt")
n29=$(grep -c 'E029' "$tmp/check1.txt")
[ $rc = 1 ] && [ "$n6" = 14 ] && [ "$n29" = 10 ] && ok "commit 1 fails check: 14 E006, 10 E029" ||
	{ grep 'E0' "$tmp/check1.txt" | sed 's/^/     /'; bad "commit 1 fails check (exit $rc, $n6 E006, $n29 E029)"; }
"$PLANSITE" -C "$repo" build --today 2007-05-31 --out "$tmp/refused" 2>/dev/null
rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/refused" ] && ok "commit 1 is not built: exit 1, nothing written" ||
	bad "commit 1 is not built (exit $rc)"

# --- commit 2: the tree clean again ------------------------------------------
rm "$C"/projects/[!a]*.md "$C"/meetings/2007-04-1[2-5]-audit.md
cp "$tmp/people.yaml" "$C/people.yaml"
cp "$tmp/executive.md" "$C/meetings/2007-04-11-executive.md"
commit 2007-05-10 "May: the audit taken out"
if "$PLANSITE" -C "$repo" check --today 2007-05-31 >/dev/null 2>"$tmp/check2.txt"; then
	ok "commit 2 checks clean"
else
	grep 'error' "$tmp/check2.txt" | head -5
	bad "commit 2 checks clean"
fi

# --- the builds --------------------------------------------------------------
pub=$tmp/public pra=$tmp/practices
if "$PLANSITE" -C "$repo" build --today 2007-05-31 --out "$pub" 2>"$tmp/err"; then
	ok "public build"
else
	cat "$tmp/err"
	bad "public build"
fi
has "$tmp/err" "W011" "the published version of commit 1 is left out (its check fails)"
if "$PLANSITE" -C "$repo" build --today 2007-05-31 --audience practices --out "$pra" 2>"$tmp/err"; then
	ok "practices build"
else
	cat "$tmp/err"
	bad "practices build"
fi
"$PLANSITE" -C "$repo" report 2007-04 --out "$tmp/report-public" 2>"$tmp/err" || { cat "$tmp/err"; bad "plansite report (public)"; }
"$PLANSITE" -C "$repo" report 2007-04 --audience practices --out "$tmp/report-practices" 2>"$tmp/err" ||
	{ cat "$tmp/err"; bad "plansite report (practices)"; }
[ -f "$pub/reports/2007-04/print/index.html" ] && [ -n "$(find "$pub/reports/2007-04" -name '*.pdf')" ] &&
	ok "the build has the April report's web page, print page and PDF" || bad "the build has the April report's three forms"

# (hidden people's ids all start with canary-: never named by id either)
noleak "$pub" CANARY "the public build holds no canary"
noleak "$tmp/report-public" CANARY "plansite report (public) holds no canary"
noleak "$pra" CANARY-CONFIDENTIAL "the practices build holds no confidential canary"
noleak "$tmp/report-practices" CANARY-CONFIDENTIAL "plansite report (practices) holds no confidential canary"

# --- what the public sees ----------------------------------------------------
mt=$pub/meetings/2007-04-11-executive/index.html
pr=$pub/projects/alpha/index.html
rp=$pub/reports/2007-04/index.html
pp=$pub/reports/2007-04/print/index.html
pdf=$(find "$pub/reports/2007-04" -name '*.pdf' | head -1)
for w in VISIBLE-DECISION-STRING VISIBLE-DECISION-MAP VISIBLE-ACTION-ONE VISIBLE-ACTION-FOUR VISIBLE-ACTION-FIVE; do
	shows "$mt" "$w" "meeting page shows $w"
done
shows "$pr" VISIBLE-ACTION-ONE "project page shows its visible action"
for f in "$rp" "$pp" "$pdf" "$tmp/report-public/index.html" "$(find "$tmp/report-public" -name '*.pdf' | head -1)"; do
	for w in VISIBLE-ACTION-ONE VISIBLE-ACTION-FOUR VISIBLE-ACTION-NINE VISIBLE-ACTION-TEN VISIBLE-DECISION-STRING VISIBLE-DECISION-MAP; do
		shows "$f" "$w" "report ${f#"$tmp"/} shows $w"
	done
done
# hidden people by their role alone: role, else organisation, else "Name withheld"
shows "$mt" PRACTICENURSE "a practices-only attendee is named by role on the meeting page"
shows "$mt" NAMEWITHHELD "a hidden attendee with neither role nor organisation is 'Name withheld'"
shows "$mt" HOSPITALTRUST "a hidden person without a role is named by organisation (apologies, action owner)"
shows "$pr" HOSPITALTRUST "the hidden project manager is named by organisation on the project page"
shows "$pr" PRACTICENURSE "the practices-only lead is named by role on the project page"
for f in "$rp" "$pdf"; do
	shows "$f" HOSPITALTRUST "report ${f#"$tmp"/}: a hidden owner named by organisation"
	shows "$f" AUDITOR "report ${f#"$tmp"/}: an owner with a misspelt visibility key (commit 1) named by role"
	shows "$f" TREASURER "report ${f#"$tmp"/}: an owner with an empty visibility (commit 1) named by role"
done
for w in PRACTICENURSE HOSPITALTRUST NAMEWITHHELD; do
	hides "$pub/people/index.html" "$w" "the people page has no entry for a hidden person ($w)"
done
shows "$pub/people/index.html" DRALEE "the people page lists the people the public may see"
[ -e "$pub/meetings/2007-04-25-board" ] && bad "a meeting made confidential after its 64th key has no page" ||
	ok "a meeting made confidential after its 64th key has no page"
[ -e "$pub/meetings/2007-04-18-finance" ] && bad "the practices meeting has no public page" ||
	ok "the practices meeting has no public page"

# --- what the practices see --------------------------------------------------
mt=$pra/meetings/2007-04-11-executive/index.html
for w in CANARY-PRACTICES-DECISION CANARY-PRACTICES-ACTION CANARY-PRACTICES-PERSON-NAME; do
	shows "$mt" "$w" "practices: the meeting page shows $w"
done
shows "$pra/people/index.html" CANARY-PRACTICES-PERSON-NAME "practices: the people page lists the practices-only person"
shows "$pra/projects/alpha/index.html" CANARY-PRACTICES-ACTION "practices: the project page shows the practices action"
pdf=$(find "$pra/reports/2007-04" -name '*.pdf' | head -1)
for f in "$pra/reports/2007-04/index.html" "$pdf"; do
	for w in CANARY-PRACTICES-ACTION CANARY-PRACTICES-DECISION CANARY-PRACTICES-MEETING-ACTION CANARY-PRACTICES-MEETING-DECISION; do
		shows "$f" "$w" "practices report ${f#"$tmp"/} shows $w"
	done
done
shows "$pra/meetings/2007-04-18-finance/index.html" CANARY-PRACTICES-MEETING-ACTION "practices: the practices meeting shows its action"

# --- plansite changes: people by role alone --------------------------------
sed -i -e 's/^clinical_leads: .*/clinical_leads: [alee, canary-confidential-anon]/' \
	-e 's/^project_manager: .*/project_manager: canary-practices-nurse/' "$C/projects/alpha.md"
commit 2007-05-20 "May: alpha's team"
"$PLANSITE" -C "$repo" changes HEAD~1 HEAD >"$tmp/changes.txt" 2>&1
has "$tmp/changes.txt" "leads Dr A Lee, Practice nurse → Dr A Lee, Name withheld" "plansite changes names hidden leads by role"
has "$tmp/changes.txt" "manager Hospital trust → Practice nurse" "plansite changes names a hidden manager by role"
if grep -qi canary "$tmp/changes.txt"; then bad "plansite changes names no hidden person"; else ok "plansite changes names no hidden person"; fi

echo "items: $fail failed"
[ "$fail" = 0 ]
