#!/bin/sh
# run-pdf.sh: the PDFs of pdf.c, read back with poppler-utils. The unit test
# tests/unit/test_pdf.c writes sample PDFs to tests/out/pdf/; this script runs
# it (the binary beside $PLANSITE: $(BUILD)/san/unit/test_pdf) with
# PDF_SAMPLES_ONLY=1 to write them afresh, then checks:
#   - the same document gives the same bytes from one process to the next;
#   - pdfinfo: A4, page count, title, author, subject, the document's dates;
#   - pdftotext: every heading of the report, "Page i of N" on every page,
#     £0.95, all project names, the appendix table's header row on every page
#     it runs onto, links' text;
#   - keep.pdf: no page ends with a heading, a table's header row, or fewer
#     than three of a table's rows;
#   - markup.pdf: markup that is not ours prints as written;
# and renders every page to tests/out/pdf/*.png (80 dpi) to look at.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${PLANSITE:=$root/build/san/plansite}"
unit=$(dirname "$PLANSITE")/unit/test_pdf
out=$root/tests/out/pdf
fail=0

ok() { echo "ok   $1"; }
bad() {
	echo "FAIL $1"
	fail=$((fail + 1))
}
# check NAME COMMAND...: passes when the command succeeds.
check() {
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}

for tool in pdfinfo pdftotext pdftoppm; do
	command -v $tool >/dev/null 2>&1 || { echo "FAIL $tool is missing (poppler-utils)"; exit 1; }
done
if [ ! -x "$unit" ]; then
	echo "FAIL $unit is missing: run make unit first"
	exit 1
fi

samples() { (cd "$root" && PDF_SAMPLES_ONLY=1 "$unit" >/dev/null 2>&1); }
rm -f "$out"/*.pdf "$out"/*.png
samples || { echo "FAIL $unit could not write the samples"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
cp "$out/report.pdf" "$tmp/first.pdf"
samples
check "two runs give the same bytes" cmp "$tmp/first.pdf" "$out/report.pdf"

pdf=$out/report.pdf
pdfinfo -isodates "$pdf" >"$tmp/info"
field() { sed -n "s/^$1: *//p" "$tmp/info"; }
pages=$(field Pages)
check "A4 portrait" grep -q '^Page size: *595 x 842 pts (A4)' "$tmp/info"
check "7 pages ($pages)" test "$pages" = 7
check "title" test "$(field Title)" = "DacCom programme status report, April 2007"
check "author" test "$(field Author)" = "DacCom Ltd"
check "subject" test "$(field Subject)" = "Practice based commissioning in Dacorum: where every project stands"
check "creation date from the document" test "$(field CreationDate)" = "2007-04-30T00:00:00Z"
check "modification date from the document" test "$(field ModDate)" = "2007-04-30T00:00:00Z"

pdftotext -layout "$pdf" "$tmp/layout.txt"
# reading order, lines joined: wrapped table cells read whole
pdftotext "$pdf" - | tr '\n' ' ' | tr -s ' ' >"$tmp/flat.txt"
missing=""
for h in "Programme status report: April 2007" "Summary" "Achievement payment for 2006/7" \
	"How the payment is made" "Funding for April to June 2007" \
	"Signing up to the Local Enhanced Service" "How a project starts" \
	"Projects this month" "Project table" "Milestones reached in April 2007" \
	"Milestones due in May 2007" "Status changes since the previous report" \
	"Open actions overdue at 30 April 2007" "Decisions of April's meetings" \
	"Corporate objectives due or overdue" "Appendix: milestone register"; do
	grep -qxF "$h" "$tmp/layout.txt" || missing="$missing '$h'"
done
check "every heading on a line of its own${missing:+ (missing:$missing)}" test -z "$missing"
missing=""
for p in "Community nursing" "Chronic obstructive pulmonary disease (COPD)" "Counselling" \
	"Diabetes" "Heart failure" "Local enhanced services" "New Dacorum hospital" \
	"Physiotherapy" "Prescribing" "Referral management" "Urgent care"; do
	grep -qF "$p" "$tmp/flat.txt" || missing="$missing '$p'"
done
check "every project name${missing:+ (missing:$missing)}" test -z "$missing"
check "£0.95 in the narrative" grep -qF "up to £0.95 for each registered patient" "$tmp/layout.txt"
check "the running header" grep -qF "DacCom Ltd · Programme status report, April 2007" "$tmp/layout.txt"
check "link text" grep -qF "commissioning plan for 2007/8" "$tmp/layout.txt"
check "list markers" grep -qE '^ *• practices will receive' "$tmp/layout.txt"
check "numbered items" grep -qE '^ *2\. +the governance framework;' "$tmp/layout.txt"

appendix=0
i=1
while [ "$i" -le "$pages" ]; do
	pdftotext -layout -f "$i" -l "$i" "$pdf" "$tmp/page.txt"
	check "page $i: footer 'Page $i of $pages'" grep -qE "Page $i of $pages\$" "$tmp/page.txt"
	check "page $i: running header" grep -qF "Programme status report, April 2007" "$tmp/page.txt"
	grep -qF "Appendix: milestone register" "$tmp/page.txt" && appendix=$i
	if [ "$appendix" -gt 0 ]; then
		check "page $i: the appendix table's header row" \
			grep -qE '^ *Project +Milestone +Date +Checks *$' "$tmp/page.txt"
	fi
	i=$((i + 1))
done
check "the appendix table runs onto at least two more pages" test "$appendix" -gt 0 -a "$((pages - appendix))" -ge 2

# keep.pdf: what ends each page
kp=$out/keep.pdf
kpages=$(pdfinfo "$kp" | sed -n 's/^Pages: *//p')
i=1
alone=""
while [ "$i" -le "$kpages" ]; do
	last=$(pdftotext -layout -f "$i" -l "$i" "$kp" - | grep -v '^ *$' | grep -v 'Page [0-9]* of' | tail -1)
	case "$last" in
	*"Keep heading"* | *"Col A"* | " a1 "* | " a2 "*) alone="$alone $i:'$last'" ;;
	esac
	i=$((i + 1))
done
check "keep.pdf ($kpages pages): no page ends with a heading or a table's start${alone:+ (page$alone)}" test -z "$alone"

mk=$out/markup.pdf
pdftotext -layout "$mk" "$tmp/markup.txt"
for s in "<script>alert(1)</script> prints as written" "a stray </i> closing tag and a bare < and & and &bogus; entity" \
	'<span foreground="red">pango markup is not ours</span>' "a javascript link prints its text" \
	"a safe link and <a>no href</a>" "nested b i code and <b> as text" \
	'<b attr="x">a tag with an attribute</b>' "an unclosed bold runs to the end" \
	"a link with a quote, a backslash and a space" "a link with a quote"; do
	check "markup.pdf: '$s'" grep -qF "$s" "$tmp/markup.txt"
done

for f in "$out"/*.pdf; do
	name=$(basename "$f" .pdf)
	check "rendered $name.pdf to PNG" pdftoppm -png -r 80 "$f" "$out/$name"
done
echo "pages to look at: $(ls "$out"/*.png | wc -l) PNGs in tests/out/pdf/"

if [ "$fail" -gt 0 ]; then
	echo "$fail PDF check(s) failed"
	exit 1
fi
echo "all PDF checks passed"
