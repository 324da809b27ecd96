#!/bin/sh
# run-browser.sh: the built site in a real browser and through the HTML checker.
# Builds the example site (the repository root) twice with $PLANSITE, public
# and practices, into tests/out/site-public and tests/out/site-practices, then
# runs on each:
#   - tests/browser/check-site.mjs  every internal link, src and CSS url()
#                                   resolves; no resource from another host;
#   - the Nu HTML checker (vnu.jar) over every page, stylesheet and SVG;
#   - tests/browser/site.test.mjs   Chromium + axe-core on one page of each
#                                   type, skip link, search, 320 px, screenshots.
# The npm packages (package.json, pinned by package-lock.json) are installed
# with `npm ci` when node_modules/ is missing or differs from the lock file.
# See tests/browser/README.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${PLANSITE:=$top/build/san/plansite}"
out=$top/tests/out
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export PLANSITE_CACHE="$cache" # never ~/.cache
passed=0
failed=0
failures=""

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); failures="$failures
  $1"; echo "FAIL $1"; }
finish() {
	[ -n "$failures" ] && echo "failed:$failures"
	echo "browser-tests: $passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

cd "$top" || exit 1
for tool in node npm java; do
	command -v "$tool" >/dev/null 2>&1 || { echo "FAIL $tool is not installed (make test-deps installs it)"; exit 1; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "FAIL ${CHROMIUM:-/usr/bin/chromium} is not installed (make test-deps installs it)"; exit 1; }
[ -x "$PLANSITE" ] || { echo "FAIL no plansite binary at $PLANSITE"; exit 1; }

# ---- the sites
mkdir -p "$out"
build() { # audience dir
	rm -rf "$2"
	"$PLANSITE" build --worktree --today 2007-05-31 --audience "$1" --out "$2" >"$out/build-$1.log" 2>&1
	status=$?
	if [ "$status" = 0 ] && [ -f "$2/index.html" ]; then
		pass "plansite build --audience $1 (exit 0, $(find "$2" -type f | wc -l) files)"
	else
		fail "plansite build --audience $1 (exit $status)"
		sed 's/^/     /' "$out/build-$1.log" | head -40
	fi
}
build public "$out/site-public"
build practices "$out/site-practices"

# ---- npm packages
lock_ok() {
	[ -f node_modules/.package-lock.json ] && node -e '
		const fs = require("fs");
		const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
		const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
		const key = (p) => p && `${p.version} ${p.integrity}`;
		const names = new Set([...Object.keys(want), ...Object.keys(have)].filter((n) => n !== ""));
		for (const n of names) if (key(want[n]) !== key(have[n]) || !fs.existsSync(n)) process.exit(1);
	' 2>/dev/null
}
if ! lock_ok; then
	echo "== npm ci (node_modules/ is missing or differs from package-lock.json)"
	# --ignore-scripts: vnu-jar's postinstall would download a Java when it
	# finds none; we use Debian's.
	if npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$out/npm-ci.log" 2>&1 && lock_ok; then
		pass "npm ci"
	else
		fail "npm ci"
		sed 's/^/     /' "$out/npm-ci.log" | grep -v 'Unknown user config' | tail -20
		finish
	fi
fi
vnu=$top/node_modules/vnu-jar/build/dist/vnu.jar
base_url=$(sed -n 's/^base_url:[[:space:]]*"\{0,1\}\([^"#[:space:]]*\).*/\1/p' site.yaml | head -1)

# ---- the checks, on each site that was built
for audience in public practices; do
	site=$out/site-$audience
	[ -f "$site/index.html" ] || continue
	rel=tests/out/site-$audience

	echo "== check-site $rel"
	if node tests/browser/check-site.mjs ${base_url:+--base-url "$base_url"} "$site"; then
		pass "$audience: check-site (links, sources, fragments, no outside resources)"
	else
		fail "$audience: check-site"
	fi

	echo "== vnu $rel"
	if java -jar "$vnu" --errors-only --skip-non-html --also-check-css --also-check-svg "$site" 2>"$out/vnu-$audience.log"; then
		pass "$audience: Nu HTML checker (HTML, CSS, SVG): no errors"
	else
		sed "s|\"file:$site/|\"$rel/|" "$out/vnu-$audience.log" | head -60
		n=$(grep -c ': error:' "$out/vnu-$audience.log")
		fail "$audience: Nu HTML checker: $n errors (all in tests/out/vnu-$audience.log)"
	fi

	echo "== site.test $rel"
	if node tests/browser/site.test.mjs --config tests/browser/example.json \
		--screenshots "$out/screenshots/$audience" "$site"; then
		pass "$audience: browser (site.test.mjs)"
	else
		fail "$audience: browser (site.test.mjs)"
	fi
done
finish
