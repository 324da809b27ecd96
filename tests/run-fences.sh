#!/bin/sh
# run-fences.sh: fences are where cmark's parse puts them (issue 12, point 1).
# tests/build/fences holds pages that put a line scanner out of step with
# cmark, each with a practices-only fence around a canary:
#   - a code block opened in a list item (and one left unclosed there),
#     one opened in an HTML block;
#   - CRLF, lone CR and mixed line endings;
#   - a hidden link reference definition and hidden headings, which must
#     not change the public page's links or heading ids;
#   - a fence written inside a closed code block, which is code.
# The public build (every file, search-index.json included) holds no
# canary; the practices build shows each canary on its page, so each case
# would fail if the fence were not read. The stray and malformed fences are
# tests/sites/e022-fence-stray (diagnostics with positions, nothing built).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
export PLANSITE_CACHE="$tmp/cache"
site=$here/build/fences
build() { # out [args]
	out=$1
	shift
	"$PLANSITE" -C "$site" build --worktree --today 2007-05-31 --no-pdf --out "$out" "$@" 2>"$tmp/err"
}

if build "$tmp/public" && grep -q "^0 errors" "$tmp/err"; then
	if grep -r -l -i "canary" "$tmp/public" >"$tmp/hits"; then
		grep -r -o -i "canary[a-z-]*" "$tmp/public" | sort -u | sed 's/^/     /'
		bad "the public build holds no canary"
	else
		ok "the public build holds no canary ($(find "$tmp/public" -type f | wc -l) files, search-index.json included)"
	fi
else
	cat "$tmp/err"
	bad "the fences site builds (public), without errors"
fi
if build "$tmp/practices" --audience practices; then
	for c in list-code:CANARY-LIST-CODE html-code:CANARY-HTML-CODE crlf:CANARY-CRLF \
		lone-cr:CANARY-LONE-CR mixed:CANARY-MIXED refs:CANARY-REFS; do
		page=${c%%:*} word=${c#*:}
		if grep -q "$word" "$tmp/practices/$page/index.html"; then
			ok "$page: the practices build shows the fenced part"
		else
			bad "$page: the practices build shows the fenced part ($word)"
		fi
		grep -q "After the" "$tmp/public/$page/index.html" 2>/dev/null || [ "$page" = refs ] ||
			bad "$page: the public page keeps what follows the fence"
	done
	grep -q -i "canary" "$tmp/practices/search-index.json" && ok "... and so does its search index" ||
		bad "... and so does its search index"
else
	cat "$tmp/err"
	bad "the fences site builds (practices)"
fi

# Hidden parts are cut before the public text is parsed: a reference they
# define does not resolve, a heading they hold takes no id.
p=$tmp/public/refs/index.html
if grep -q '\[the site\]\[ref\]' "$p" && grep -q 'href="http://ok.example/"' "$p" &&
	[ "$(grep -o 'id="budget[^"]*"' "$p" | tr '\n' ' ')" = 'id="budget" id="budget-1" ' ] &&
	[ "$(grep -o 'id="budget[^"]*"' "$tmp/practices/refs/index.html" | tr '\n' ' ')" = 'id="budget" id="budget-1" id="budget-2" ' ]; then
	ok "a hidden reference definition and hidden headings leave the public page as if they were not there"
else
	grep -o 'id="budget[^"]*"\|\[the site\][^ ]*\|href="http[^"]*"' "$p" | sed 's/^/     /'
	bad "a hidden reference definition and hidden headings leave the public page as if they were not there"
fi
# A fence inside a closed code block is code, for every audience.
grep -q "LITERAL-IN-CODE" "$tmp/public/code-fence/index.html" &&
	grep -q "&lt;!-- visibility: practices --&gt;" "$tmp/public/code-fence/index.html" &&
	ok "a fence in a code block is shown as code" || bad "a fence in a code block is shown as code"

echo "fences: $fail failed"
[ "$fail" = 0 ]
