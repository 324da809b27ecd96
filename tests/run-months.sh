#!/bin/sh
# run-months.sh: every monthly report of a build made from the months'
# data as monthly.c makes it (a chain of the months' commits, the changes of
# each step composed forwards and backwards, kept in the cache's file months)
# says what `plansite report` says of that month alone, which loads the
# month's data from its own commit. The history: 30 months of meetings
# added, deleted and brought back byte for byte, projects added, changed and
# deleted, the people changed now and then (the data then loaded whole).
# Also: a second build (the cache used), a build after the cache is spoilt
# and a build on one thread give the same bytes.
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

repo=$tmp/repo
g() { git -C "$repo" -c user.name=Test -c user.email=test@example.org "$@" >/dev/null; }
commit() { # when message
	g add -A
	GIT_AUTHOR_DATE="$1T12:00:00+00:00" GIT_COMMITTER_DATE="$1T12:00:00+00:00" g commit -q --allow-empty -m "$2"
}
cp -r "$here/sites/valid-minimal" "$repo"
rm -f "$repo/expected" "$repo/content/reports/"*.md
git init -q -b main "$repo"
M=$repo/content/meetings
P=$repo/content/projects
meeting() { # date: a meeting on that day
	sed -e "s/^date: .*/date: $1/" -e "s/next_meeting: { date: [0-9-]*/next_meeting: { date: $(echo "$1" | cut -c1-8)28/" \
		"$here/sites/valid-minimal/content/meetings/2007-01-17-executive.md" >"$M/$1-executive.md"
}
commit 2006-12-01 "Import"
saved=$tmp/saved
mkdir -p "$saved"
k=1
while [ $k -le 30 ]; do
	y=$((2007 + (k - 1) / 12))
	m=$(printf '%02d' $(((k - 1) % 12 + 1)))
	meeting "$y-$m-05"
	commit "$y-$m-05" "meeting $y-$m"
	case $((k % 3)) in
	0) s=green ;; 1) s=amber ;; *) s=red ;;
	esac
	sed -i "s/^status: .*/status: $s/" "$P/alpha.md"
	if [ $((k % 4)) = 0 ]; then
		sed -e "s/^title: .*/title: Beta $k/" "$P/alpha.md" >"$P/beta-$k.md"
	fi
	[ -f "$P/beta-$((k - 8)).md" ] && [ $((k % 5)) = 0 ] && rm "$P/beta-$((k - 8)).md"
	commit "$y-$m-15" "alpha is $s"
	# a meeting of two months ago goes, and one gone comes back as it was
	if [ $((k % 3)) = 0 ]; then
		old=$(ls "$M" | head -2 | tail -1)
		cp "$M/$old" "$saved/$old"
		rm "$M/$old"
	fi
	if [ $((k % 6)) = 0 ]; then
		back=$(ls "$saved" | head -1)
		[ -n "$back" ] && mv "$saved/$back" "$M/$back"
	fi
	if [ $((k % 7)) = 0 ]; then
		printf -- '- { id: p%s, name: Person %s, practice: north }\n' "$k" "$k" >>"$repo/content/people.yaml"
	fi
	cat >"$repo/content/reports/$y-$m.md" <<EOF
---
title: Programme status report
month: "$y-$m"
---
## Summary

Month $k.
EOF
	commit "$y-$m-25" "month $k"
	k=$((k + 1))
done

today=--today=2009-12-31
if ! "$PLANSITE" -C "$repo" check $today >"$tmp/check.txt" 2>&1; then
	cat "$tmp/check.txt"
	bad "the history's last commit checks clean"
fi
rm -rf "$PLANSITE_CACHE"
PLANSITE_JOBS=3 "$PLANSITE" -C "$repo" build $today --no-versions --out "$tmp/a" 2>"$tmp/err" || { cat "$tmp/err"; bad "build"; }
[ -s "$PLANSITE_CACHE/months" ] && ok "the steps between months are kept in the cache" ||
	bad "the steps between months are kept in the cache"
n=0 same=0
for dir in "$tmp"/a/reports/20*/; do
	month=$(basename "$dir")
	n=$((n + 1))
	"$PLANSITE" -C "$repo" report "$month" $today --out "$tmp/r-$month" 2>/dev/null
	cmp -s "$tmp/r-$month/"*.pdf "$dir"*.pdf && same=$((same + 1)) || echo "     differs: $month"
done
[ $n = 30 ] && [ $same = 30 ] && ok "each of the 30 reports of the build: the PDF of plansite report for its month" ||
	bad "the build's reports and plansite report's agree ($same of $n)"
grep -q "Beta 24" "$tmp/r-2009-06/"*.pdf 2>/dev/null || pdftotext "$tmp/r-2009-06/"*.pdf - | grep -q "Beta 24" &&
	ok "a project added in June 2009 is in its report" || bad "a project added in June 2009 is in its report"
pdftotext "$tmp/r-2007-03/"*.pdf - | grep -q "Beta" && bad "no project Beta before it was added" ||
	ok "no project Beta before it was added"

PLANSITE_JOBS=3 "$PLANSITE" -C "$repo" build $today --no-versions --out "$tmp/b" 2>/dev/null
diff -r -q "$tmp/a" "$tmp/b" >/dev/null && ok "a second build, from the cache: the same bytes" ||
	bad "a second build, from the cache: the same bytes"
printf 'plansite-months 1 x\nnonsense\n' >"$PLANSITE_CACHE/months"
"$PLANSITE" -C "$repo" build $today --no-versions --out "$tmp/c" 2>/dev/null
diff -r -q "$tmp/a" "$tmp/c" >/dev/null && ok "a spoilt cache is ignored: the same bytes" ||
	bad "a spoilt cache is ignored: the same bytes"
head -c 300 "$PLANSITE_CACHE/months" >"$tmp/half" && mv "$tmp/half" "$PLANSITE_CACHE/months"
PLANSITE_JOBS=1 "$PLANSITE" -C "$repo" build $today --no-versions --out "$tmp/d" 2>/dev/null
diff -r -q "$tmp/a" "$tmp/d" >/dev/null && ok "a cut-off cache, one thread: the same bytes" ||
	bad "a cut-off cache, one thread: the same bytes"

echo "months: $fail failed"
[ "$fail" = 0 ]
