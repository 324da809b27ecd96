#!/bin/sh
# run-git.sh: plansite reads what is committed. Builds a small repository with
# dated commits from the valid-minimal fixture and checks that:
#   - a default check reads HEAD's tree and warns about uncommitted edits;
#   - --ref reads old content (a branch, a tag, HEAD~N, a commit id);
#   - --worktree reads the uncommitted edits;
#   - "today" is the commit's date unless --today says otherwise;
#   - a bad ref exits 3, bad usage exits 2, content errors exit 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${PLANSITE:=$(dirname "$here")/build/san/plansite}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PLANSITE_CACHE="$tmp/cache" # never ~/.cache
fail=0
repo=$tmp/repo

g() { git -C "$repo" -c user.name=Test -c user.email=test@example.org "$@" >/dev/null; }
commit() { # date message
	GIT_AUTHOR_DATE="$1T12:00:00+0000" GIT_COMMITTER_DATE="$1T12:00:00+0000" g commit -q -am "$2"
}
# expect NAME STATUS PATTERN -- ARGS: runs plansite -C repo ARGS; the exit
# status must be STATUS and stderr must match the grep pattern (or, when the
# pattern starts with '!', must not).
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$PLANSITE" -C "$repo" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	ok=1
	[ "$got" = "$want" ] || ok=0
	case "$pat" in
	!*) grep -q -- "${pat#!}" "$tmp/err" && ok=0 ;;
	*) grep -q -- "$pat" "$tmp/err" || ok=0 ;;
	esac
	if [ $ok = 1 ]; then
		echo "ok   $name"
	else
		echo "FAIL $name (exit $got, wanted $want; pattern '$pat')"
		sed 's/^/     /' "$tmp/err"
		fail=$((fail + 1))
	fi
}

cp -r "$here/sites/valid-minimal" "$repo"
rm -f "$repo/expected"
git init -q -b main "$repo"
g add -A
commit 2007-01-20 "Import the site"
g tag v1
first=$(git -C "$repo" rev-parse HEAD)

# Commit 2 breaks a rule: an unknown clinical lead.
sed -i 's/clinical_leads: \[alee\]/clinical_leads: [alex]/' "$repo/content/projects/alpha.md"
commit 2007-03-01 "Change the clinical lead"
# Commit 3 fixes it again, and dates "today" after the action's due date.
sed -i 's/clinical_leads: \[alex\]/clinical_leads: [bkhan]/' "$repo/content/projects/alpha.md"
commit 2007-07-15 "Fix the clinical lead"

expect "HEAD is clean; today is the commit date (2007-07-15)" 0 "today is 2007-07-15" -- check
expect "--ref HEAD~1 reads the broken commit" 1 "unknown person 'alex' in clinical_leads (did you mean 'alee'?)" -- check --ref HEAD~1
expect "--ref with a tag" 0 "0 errors" -- check --ref v1
expect "--ref with a commit id" 0 "0 errors" -- check --ref "$first"
expect "--ref main" 0 "0 errors" -- check --ref main
expect "--today overrides the commit date" 0 "!W001" -- check --today 2007-02-01

# An uncommitted edit: the default check still reads HEAD, and warns.
sed -i 's/clinical_leads: \[bkhan\]/clinical_leads: [nobody]/' "$repo/content/projects/alpha.md"
expect "default ignores uncommitted edits and warns" 0 "uncommitted change .* not included" -- check
expect "--worktree reads uncommitted edits" 1 "unknown person 'nobody'" -- check --worktree
expect "--worktree does not warn about them" 1 "!W007" -- check --worktree
git -C "$repo" checkout -q -- content

expect "unknown ref exits 3" 3 "unknown revision 'nope'" -- check --ref nope
expect "near-miss ref suggests" 3 "did you mean 'main'" -- check --ref mian
expect "--ref and --worktree together is usage" 2 "exclude each other" -- check --ref main --worktree
expect "unknown option is usage" 2 "unknown option '--frobnicate'" -- check --frobnicate
expect "bad --today is usage" 2 "not a date" -- check --today 2007-02-30
expect "unknown command is usage" 2 "unknown command 'chekc'" -- chekc
"$PLANSITE" --version | grep -q "^plansite " && echo "ok   --version" || { echo "FAIL --version"; fail=$((fail + 1)); }
"$PLANSITE" --help | grep -q "usage: plansite" && echo "ok   --help" || { echo "FAIL --help"; fail=$((fail + 1)); }

# JSON: one object per finding on stdout.
"$PLANSITE" -C "$repo" check --ref HEAD~1 --format json >"$tmp/json" 2>/dev/null
if python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, rows
r = rows[0]
assert r["file"] == "content/projects/alpha.md" and r["line"] == 6 and r["col"] == 18, r
assert r["severity"] == "error" and r["code"] == "E010", r
' "$tmp/json"; then echo "ok   --format json"; else echo "FAIL --format json"; fail=$((fail + 1)); fi

# Many files: blobs are read on several threads. Each of 700 meetings names
# a different unknown attendee on a different line, so a blob read into the
# wrong file shows in the findings, which must be those of the same files
# read from disk.
big=$tmp/big
cp -r "$here/sites/valid-minimal" "$big"
rm -f "$big/expected"
i=0
while [ $i -lt 700 ]; do
	{
		echo "---"
		echo "title: Meeting $i"
		j=0
		while [ $j -lt $((i % 7)) ]; do echo "# padding $j"; j=$((j + 1)); done
		echo "date: 2007-01-$(printf '%02d' $((i % 28 + 1)))"
		echo 'start: "10:00"'
		echo 'end: "11:00"'
		echo "venue: Room $i"
		echo "attendees: [who$i]"
		echo "---"
		echo "Minutes of meeting $i."
	} >"$big/content/meetings/2007-01-$(printf '%02d' $((i % 28 + 1)))-m$i.md"
	i=$((i + 1))
done
git init -q -b main "$big"
git -C "$big" -c user.name=Test -c user.email=test@example.org add -A
GIT_COMMITTER_DATE="2007-02-01T12:00:00+0000" git -C "$big" -c user.name=Test -c user.email=test@example.org commit -q -m "700 meetings"
"$PLANSITE" -C "$big" check --format json --today 2007-05-31 >"$tmp/git.json" 2>/dev/null
"$PLANSITE" -C "$big" check --worktree --format json --today 2007-05-31 >"$tmp/disk.json" 2>/dev/null
n=$(grep -c '"E010"' "$tmp/git.json")
if [ "$n" = 700 ] && cmp -s "$tmp/git.json" "$tmp/disk.json"; then
	echo "ok   700 files read from git on several threads: the findings of the files on disk"
else
	echo "FAIL 700 files read from git ($n E010 findings; git and disk differ: $(cmp "$tmp/git.json" "$tmp/disk.json" 2>&1))"
	fail=$((fail + 1))
fi
# The same blobs packed as deltas of each other (read in the packs' order).
git -C "$big" repack -adq --depth=50 --window=250
"$PLANSITE" -C "$big" check --format json --today 2007-05-31 >"$tmp/packed.json" 2>/dev/null
if ls "$big"/.git/objects/pack/*.idx >/dev/null 2>&1 && cmp -s "$tmp/packed.json" "$tmp/disk.json"; then
	echo "ok   the 700 files read from a pack: the findings of the files on disk"
else
	echo "FAIL the 700 files read from a pack differ from disk: $(cmp "$tmp/packed.json" "$tmp/disk.json" 2>&1)"
	fail=$((fail + 1))
fi

# Outside git: the files on disk, with a warning.
cp -r "$here/sites/valid-minimal" "$tmp/plain"
"$PLANSITE" -C "$tmp/plain" check --today 2007-05-31 2>"$tmp/err"
if [ $? = 0 ] && grep -q "not in a git repository" "$tmp/err"; then echo "ok   outside git"; else echo "FAIL outside git"; fail=$((fail + 1)); fi

echo "git: $fail failed"
[ "$fail" = 0 ]
