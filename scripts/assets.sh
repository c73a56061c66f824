#!/usr/bin/env bash
# assets.sh: the staff desk's front-end packages from npm, through package-lock.json: the NHS
# design system (nhsuk-frontend) built into the embedded assets under web/static/nhsuk/, and
# axe-core for the browser tests (read from node_modules/ by web/axe_test.go). No CDN at run
# time: the design system's web fonts (a CDN) are left out, so the desk falls back to Arial as
# the NHS does, and its icons are served from /static/nhsuk/images/.
#
#   scripts/assets.sh      install (npm ci) when the lock changed, then build web/static/nhsuk/
#
# Idempotent: a second run with the same lock installs and rewrites nothing.
set -euo pipefail

cd "$(dirname "$0")/.."
say() { echo "assets: $*" >&2; }
die() {
	say "$*"
	exit 1
}

if ! command -v npm >/dev/null; then
	[[ $(id -u) == 0 ]] || die "npm is missing and installing it needs root: apt-get install npm"
	say "installing npm (Debian package, once per machine)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >&2 ||
		{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >&2; } ||
		die "apt-get install npm failed"
fi

stamp=node_modules/.nasbot-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
	say "npm ci (package-lock.json)"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
	echo "$want" >"$stamp"
fi

src=node_modules/nhsuk-frontend/dist/nhsuk
out=web/static/nhsuk
version=$(node -p 'require("./node_modules/nhsuk-frontend/package.json").version' 2>/dev/null || echo unknown)
if [[ -f $out/VERSION && $(cat "$out/VERSION") == "$version" && -f $out/nhsuk.css ]]; then
	exit 0
fi
say "building $out from nhsuk-frontend $version"
rm -rf "$out.tmp"
mkdir -p "$out.tmp/images"
# The minified stylesheet, with the font CDN's @font-face rules dropped and the icons local.
sed -E 's/@font-face\{[^}]*\}//g; s#url\(/assets/images/#url(/static/nhsuk/images/#g' \
	"$src/nhsuk-frontend.min.css" >"$out.tmp/nhsuk.css"
grep -q 'https://' "$out.tmp/nhsuk.css" && die "the built stylesheet still loads something from another site"
cp "$src"/assets/images/*.svg "$out.tmp/images/"
echo "$version" >"$out.tmp/VERSION"
rm -rf "$out"
mv "$out.tmp" "$out"
