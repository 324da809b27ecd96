#!/bin/sh
# run-fieldlinks.sh: links in front matter texts (a meeting's decisions and
# actions, which are Markdown) render as a body's links do, wherever the
# text is shown. A decision and an action of a public meeting link to a
# heading of their meeting ("#1-alpha") and to another meeting by a path
# relative to their own file ("2007-04-26-executive.md"); the action is on
# project alpha and overdue, so both are also on the project's page and in
# April's report (web and print). On every one of those pages the links go
# to the meeting's page and to the other meeting (before: "#1-alpha" on the
# project's and report's pages, and the relative link, resolved from the
# report's file, dropped). Their checks (E020, E021, with positions in the
# YAML) are tests/sites/e020-front-matter.
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
has() { # file text name
	if grep -q -F -- "$2" "$1" 2>/dev/null; then ok "$3"; else bad "$3 (no '$2' in ${1#"$tmp"/})"; fi
}
hasnt() { # file text name
	if grep -q -F -- "$2" "$1" 2>/dev/null; then bad "$3 ('$2' in ${1#"$tmp"/})"; else ok "$3"; fi
}

site=$tmp/site
cp -r "$here/sites/valid-minimal" "$site"
rm -f "$site/expected" "$site/content/meetings/"*.md
cat >"$site/content/meetings/2007-04-12-executive.md" <<'EOF'
---
title: Executive committee
date: 2007-04-12
start: "13:00"
end: "14:15"
venue: North Surgery
attendees: [alee, bkhan]
visibility: public
decisions:
  - Agree the case, as in [the minutes](#1-alpha) and [the next meeting](2007-04-26-executive.md).
actions:
  - { id: 1, text: "Read [the notes](#1-alpha) and [the next](2007-04-26-executive.md)", owner: alee, due: 2007-04-20, project: alpha }
---
## 1. Alpha

The committee agreed the case.
EOF
cat >"$site/content/meetings/2007-04-26-executive.md" <<'EOF'
---
title: Executive committee
date: 2007-04-26
start: "13:00"
end: "14:15"
venue: North Surgery
attendees: [alee, bkhan]
visibility: public
---
## 1. Beta

Nothing.
EOF
(cd "$site" && "$PLANSITE" build --today 2007-05-31 --no-pdf --out "$tmp/out" >"$tmp/log" 2>&1) ||
	{ bad "the site builds"; cat "$tmp/log"; }

meeting=$tmp/out/meetings/2007-04-12-executive/index.html
project=$tmp/out/projects/alpha/index.html
report=$tmp/out/reports/2007-04/index.html
print=$tmp/out/reports/2007-04/print/index.html

has "$meeting" 'href="#1-alpha"' "the meeting's page: an anchor of a decision or action is on the page"
has "$meeting" 'href="../../meetings/2007-04-26-executive/index.html"' "... and the relative link goes to the other meeting"
for page in "$project" "$report" "$print"; do
	name=${page#"$tmp/out/"}
	root=../../
	[ "$page" = "$print" ] && root=../../../
	to_heading="href=\"${root}meetings/2007-04-12-executive/index.html#1-alpha\""
	to_next="href=\"${root}meetings/2007-04-26-executive/index.html\""
	has "$page" "$to_heading" "$name: the anchor goes to the meeting's page"
	hasnt "$page" 'href="#1-alpha"' "... not to a heading of this page"
	has "$page" "$to_next" "$name: the relative link is resolved from the meeting's file"
done
# the report shows both: the decision and the overdue action
n=$(grep -o -F 'href="../../meetings/2007-04-12-executive/index.html#1-alpha"' "$report" | wc -l)
if [ "$n" -ge 2 ]; then ok "the report links both the decision and the action ($n)"; else bad "the report links both the decision and the action ($n)"; fi

echo "fieldlinks: $fail failed"
[ "$fail" = 0 ]
