#!/bin/sh
# run-report.sh: the monthly programme status report, as of each month's end.
# Builds a repository with dated commits and checks, for `plansite report`
# and `plansite build`:
#   - the data comes from the last commit at or before the month's last day,
#     23:59 Europe/London (a commit at 00:30 BST on 1 May is not April's);
#     the narrative from the tree being built;
#   - each computed section: milestones reached, due next month, status changes
#     since the previous report, overdue actions, decisions, objectives;
#   - "data as of" when no commit is that old; the first report says so;
#   - the PDF (pdfinfo, pdftotext: page N of M, every project, a long table's
#     header row on its second page, the example's £0.95), and PNG pages in
#     tests/out/report/ to look at;
#   - bad input: no report for the month, a month that does not match its
#     file, a malformed month argument.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
art=$top/tests/out/report
rm -rf "$art" && mkdir -p "$art"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
has() { # file pattern name
	if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3 (no '$2' in $(basename "$1"))"; fi
}
hasnt() {
	if grep -q -- "$2" "$1"; then bad "$3 ('$2' in $(basename "$1"))"; else ok "$3"; fi
}
# Text of an HTML page without tags, one line.
# Inline tags go without a trace, block tags leave a space.
text() { sed -E -e 's#</?(a|strong|em|time|span|code|b|i)( [^>]*)?>##g' -e 's/<[^>]*>/ /g' "$1" | tr -s ' \n' ' '; }

repo=$tmp/repo
g() { git -C "$repo" -c user.name=Test -c user.email=test@example.org "$@" >/dev/null; }
commit() { # when message   (when: an ISO 8601 date with offset)
	g add -A
	GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" g commit -q -m "$2"
}
P=$repo/content/projects/alpha.md
M=$repo/content/meetings

cp -r "$here/sites/valid-minimal" "$repo"
rm -f "$repo/expected" "$repo/content/reports/2007-04.md"
git init -q -b main "$repo"
report_file() { # month narrative
	cat >"$repo/content/reports/$1.md" <<EOF
---
title: Programme status report
month: "$1"
---
## Summary

$2
EOF
}

# February: alpha at milestone 1, green; a meeting with a decision and an
# action due on 25 February, still open at the month's end.
report_file 2007-01 "January narrative."
cat >"$M/2007-02-15-executive.md" <<'EOF'
---
title: Executive committee
date: 2007-02-15
start: "13:00"
end: "14:00"
venue: North Surgery
visibility: public
attendees: [alee, bkhan]
decisions:
  - Approve the **alpha** plan in principle.
actions:
  - { id: 1, text: "Cost the *alpha* plan", owner: bkhan, due: 2007-02-25, project: alpha }
---
Minutes.
EOF
commit 2007-02-20T10:00:00+00:00 "February: the executive approves alpha in principle"

# March: alpha reaches milestone 2 and turns amber; beta starts.
sed -i 's/  2: { target: 2007-09-30, checks: \[resources\] }/  2: { reached: 2007-03-05, checks: [resources, schedule] }\n  3: { target: 2007-04-20, checks: [] }/; s/status: green/status: amber/' "$P"
cat >"$repo/content/projects/beta.md" <<'EOF'
---
title: Beta
area: outpatients
status: green
summary: A second project.
clinical_leads: [bkhan]
project_manager: pm
funding: [les]
milestones:
  1: { target: 2007-04-15 }
---
Beta.
EOF
commit 2007-03-10T10:00:00+00:00 "March: alpha reaches milestone 2; beta starts"

# 30 April, 23:30 BST: alpha turns red, the action is done. April's data.
sed -i 's/status: amber/status: red/' "$P"
sed -i 's/due: 2007-02-25, project: alpha }/due: 2007-02-25, project: alpha, done: true }/' "$M/2007-02-15-executive.md"
commit 2007-04-30T23:30:00+01:00 "April: alpha is red; the costing is done"

# 1 May, 00:30 BST (still 30 April in UTC): alpha turns green. Not April's.
sed -i 's/status: red/status: green/' "$P"
commit 2007-05-01T00:30:00+01:00 "May: alpha is green again"

# The narratives are written after the months end.
report_file 2007-02 "February narrative."
report_file 2007-03 "March narrative: **alpha** reached its plan."
report_file 2007-04 "April narrative."
commit 2007-05-10T09:00:00+01:00 "Reports for February to April"

report() { # month out [args]
	m=$1 out=$2
	shift 2
	"$PLANSITE" -C "$repo" report "$m" --out "$out" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
}

# --- February: the first report ------------------------------------------
if report 2007-02 "$tmp/feb"; then
	f=$tmp/feb/index.html
	text "$f" >"$tmp/feb.txt"
	has "$tmp/feb.txt" "February narrative" "February: the narrative"
	has "$tmp/feb.txt" "No saved version of the site is as old as the end of January 2007, the month of the previous report, so changes cannot be shown" "February: no data from January's end, so no changes"
	has "$tmp/feb.txt" "Actions overdue at 28 February 2007 Action Owner Due Meeting Cost the alpha plan Dr B Khan 25 February 2007" "February: the open action is overdue at the month's end"
	has "$tmp/feb.txt" "Decisions in February 2007 Executive committee, 15 February 2007 Approve the alpha plan in principle" "February: the month's decision"
	has "$tmp/feb.txt" "version $(git -C "$repo" rev-parse --short=7 HEAD~4) of 20 February 2007" "February: the data is the 20 February commit"
	has "$f" "Approve the <strong>alpha</strong> plan" "February: a decision's Markdown is rendered on the page"
	pdftotext -layout "$tmp/feb/testgroup-ltd-status-2007-02.pdf" "$tmp/feb.pdf.txt"
	has "$tmp/feb.pdf.txt" "Approve the alpha plan in principle" "February: ... and in the PDF"
	has "$tmp/feb.pdf.txt" "Cost the alpha plan" "February: an action's too"
	hasnt "$tmp/feb.pdf.txt" "*" "February: no Markdown markers left in the PDF"
	[ "$(cd "$tmp/feb" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" = "./.plansite-output ./index.html ./print/index.html ./testgroup-ltd-status-2007-02.pdf " ] &&
		ok "report writes its three files and its marker, and nothing else" || bad "report writes its three files and its marker, and nothing else ($(cd "$tmp/feb" && find . -type f | tr '\n' ' '))"
else
	cat "$tmp/err.txt"
	bad "plansite report 2007-02"
fi

# --- March: changes since February ---------------------------------------
if report 2007-03 "$tmp/mar"; then
	text "$tmp/mar/index.html" >"$tmp/mar.txt"
	has "$tmp/mar.txt" "Milestones reached in March 2007 Alpha: milestone 2. Plan agreed, 5 March 2007" "March: alpha reached milestone 2"
	has "$tmp/mar.txt" "Milestones due in April 2007 Alpha: milestone 3. Go live, target 20 April 2007 Beta: milestone 1. Business case, target 15 April 2007" "March: milestones due in April"
	has "$tmp/mar.txt" "Alpha: milestone 1 → 2, green → amber" "March: alpha's status change"
	has "$tmp/mar.txt" "Beta: new project" "March: beta is new"
	has "$tmp/mar.txt" "Beta.\{0,40\}None yet" "March: beta has reached no milestone yet"
	has "$tmp/mar.txt" "March narrative: alpha reached its plan" "March: the narrative comes from HEAD, written in May"
	has "$tmp/mar.txt" "Cost the alpha plan" "March: the action is still overdue at the end of March"
	has "$tmp/mar/print/index.html" "Alpha</a>: milestone 1 → 2, green → amber" "March: the print page has the same sections"
else
	cat "$tmp/err.txt"
	bad "plansite report 2007-03"
fi

# --- April: the month's end is 23:59 in London ------------------------------
if report 2007-04 "$tmp/apr"; then
	text "$tmp/apr/index.html" >"$tmp/apr.txt"
	has "$tmp/apr.txt" "Alpha.\{0,20\}Red: serious risk" "April: alpha is red at the end of April (23:30 BST on the 30th)"
	has "$tmp/apr.txt" "amber → red" "April: amber → red since March"
	hasnt "$tmp/apr.txt" "red → green" "April: the commit of 00:30 BST on 1 May is not April's"
	hasnt "$tmp/apr.txt" "Cost the alpha plan" "April: the action was done by the end of April"
else
	cat "$tmp/err.txt"
	bad "plansite report 2007-04"
fi

# --- January: no commit is that old ------------------------------------------
if report 2007-01 "$tmp/jan"; then
	text "$tmp/jan/index.html" >"$tmp/jan.txt"
	has "$tmp/jan.txt" "No saved version of the site is as old as the end of January 2007: the figures below are as of 10 May 2007" "January: data as of the tree's own date"
	has "$tmp/jan.txt" "This is the first report, so there is nothing earlier to compare with" "January: the first report says so"
else
	cat "$tmp/err.txt"
	bad "plansite report 2007-01"
fi

# --- the same in a build, and the PDF ---------------------------------------
if "$PLANSITE" -C "$repo" build --out "$tmp/site" 2>"$tmp/err.txt"; then
	text "$tmp/site/reports/2007-03/index.html" >"$tmp/site-mar.txt"
	cmp -s "$tmp/site-mar.txt" "$tmp/mar.txt" && bad "build's March report is the site's (links differ)" || true
	has "$tmp/site-mar.txt" "Alpha: milestone 1 → 2, green → amber" "build: the March report's status changes"
	pdf=$tmp/site/reports/2007-03/testgroup-ltd-status-2007-03.pdf
	if [ -f "$pdf" ]; then
		pdftotext -layout "$pdf" "$tmp/mar.pdf.txt"
		has "$tmp/mar.pdf.txt" "milestone 1 → 2, green → amber" "build: the PDF says the same"
		cmp -s "$pdf" "$tmp/mar/testgroup-ltd-status-2007-03.pdf" && ok "build and report make the same PDF" ||
			bad "build and report make the same PDF"
	else
		bad "build writes the report's PDF"
	fi
	[ -f "$tmp/site/reports/2007-03/print/index.html" ] && ok "build writes the print page" || bad "build writes the print page"
	"$PLANSITE" -C "$repo" build --no-pdf --out "$tmp/site2" 2>/dev/null
	[ -z "$(find "$tmp/site2" -name '*.pdf')" ] && ok "--no-pdf writes no PDF" || bad "--no-pdf writes no PDF"
	hasnt "$tmp/site2/reports/2007-03/index.html" ".pdf" "--no-pdf: the page does not link a PDF"
	# old data is made and shared by many threads at once (monthly.c's
	# slots): the same bytes as one thread makes
	PLANSITE_JOBS=1 "$PLANSITE" -C "$repo" build --no-pdf --out "$tmp/site-j1" 2>/dev/null
	PLANSITE_JOBS=24 "$PLANSITE" -C "$repo" build --no-pdf --out "$tmp/site-j24" 2>/dev/null
	diff -r -q "$tmp/site-j1" "$tmp/site-j24" >/dev/null && ok "1 thread or 24: the same reports" ||
		bad "1 thread or 24: the same reports"
else
	cat "$tmp/err.txt"
	bad "build of the report repository"
fi

# --- a long table breaks across pages, its header row repeated ---------------
i=0
while [ $i -lt 60 ]; do
	sed "s/title: Beta/title: Project number $i/" "$repo/content/projects/beta.md" >"$repo/content/projects/p$i.md"
	i=$((i + 1))
done
report_file 2007-05 "May narrative."
commit 2007-05-20T09:00:00+01:00 "Sixty more projects"
if report 2007-05 "$tmp/long"; then
	pdf=$tmp/long/testgroup-ltd-status-2007-05.pdf
	pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
	pdftotext -layout "$pdf" "$tmp/long.txt"
	heads=0 p=1
	while [ $p -le "$pages" ]; do
		pdftotext -layout -f $p -l $p "$pdf" - | grep -q "Project  *Status  *Milestone" && heads=$((heads + 1))
		p=$((p + 1))
	done
	[ "$heads" -ge 2 ] && ok "the project table's header row is on each of its $heads pages" ||
		bad "the project table's header row is repeated (seen on $heads of $pages pages)"
	has "$tmp/long.txt" "Page 1 of $pages" "the PDF's footer: Page 1 of $pages"
	has "$tmp/long.txt" "Project number 59" "the last project is in the PDF"
	pdftoppm -png -r 60 "$pdf" "$art/long"
else
	cat "$tmp/err.txt"
	bad "report 2007-04 with sixty projects"
fi

# --- the example: April 2007 ----------------------------------------------
if "$PLANSITE" -C "$top" report 2007-04 --worktree --out "$tmp/example" 2>"$tmp/err.txt"; then
	pdf=$tmp/example/daccom-ltd-status-2007-04.pdf
	pdfinfo "$pdf" >"$tmp/info.txt"
	has "$tmp/info.txt" "Title: *Programme status report: April 2007" "example PDF: its title"
	has "$tmp/info.txt" "Page size: *595 x 842 pts (A4)" "example PDF: A4"
	has "$tmp/info.txt" "CreationDate: *Mon Apr 30 00:00:00 2007" "example PDF: dated the month's end, not now"
	pdftotext -layout "$pdf" "$tmp/example.txt"
	pdftotext "$pdf" - | tr -s ' \n' ' ' >"$tmp/example.flow"
	has "$tmp/example.txt" "£0.95" "example PDF: £0.95 from the narrative"
	has "$tmp/example.txt" "Page 1 of" "example PDF: page 1 of N"
	missing=0
	for f in "$top"/content/projects/*.md; do
		t=$(sed -n 's/^title: *//p' "$f" | head -1 | cut -c1-18)
		grep -q -- "$t" "$tmp/example.flow" || { echo "     missing: $t"; missing=$((missing + 1)); }
	done
	[ $missing = 0 ] && ok "example PDF: every project" || bad "example PDF: every project ($missing missing)"
	"$PLANSITE" -C "$top" report 2007-04 --worktree --out "$tmp/example2" 2>/dev/null
	cmp -s "$pdf" "$tmp/example2/daccom-ltd-status-2007-04.pdf" && ok "the same report gives the same PDF bytes" ||
		bad "the same report gives the same PDF bytes"
	pdftoppm -png -r 80 "$pdf" "$art/example"
	cp "$pdf" "$art/"
else
	cat "$tmp/err.txt"
	bad "plansite report 2007-04 on the example"
fi

# --- bad input ---------------------------------------------------------------
"$PLANSITE" -C "$repo" report 2007-06 --out "$tmp/x" 2>"$tmp/err.txt"
[ $? = 1 ] && grep -q "there is no report for 2007-06: add content/reports/2007-06.md (plansite new report 2007-06" "$tmp/err.txt" &&
	ok "a month without a report is an error that says how to add one" || { cat "$tmp/err.txt"; bad "a month without a report"; }
[ ! -e "$tmp/x" ] && ok "... and writes nothing" || bad "... and writes nothing"
"$PLANSITE" -C "$repo" report 2007-13 2>"$tmp/err.txt"
[ $? = 2 ] && grep -q "'2007-13' is not a month" "$tmp/err.txt" && ok "a malformed month is a usage error" ||
	{ cat "$tmp/err.txt"; bad "a malformed month"; }
"$PLANSITE" -C "$repo" report April 2>"$tmp/err.txt"
[ $? = 2 ] && ok "'April' is a usage error" || bad "'April' is a usage error"
sed -i 's/month: "2007-04"/month: "2007-05"/' "$repo/content/reports/2007-04.md"
"$PLANSITE" -C "$repo" report 2007-04 --worktree --out "$tmp/y" 2>"$tmp/err.txt"
[ $? = 1 ] && grep -q "content/reports/2007-04.md:3:8: error: month 2007-05 differs from the file name" "$tmp/err.txt" &&
	ok "a report whose month differs from its file name is E019" || { cat "$tmp/err.txt"; bad "month differs from file name"; }

echo "report: $fail failed"
[ "$fail" = 0 ]
