#!/usr/bin/env bash
# browser.sh: Debian's headless Chromium (and its driver) for the staff desk's browser tests
# (web/browser_test.go, driven with chromedp). Installs what is missing, once per machine, and
# prints the chromium path on stdout; everything else goes to stderr.
#
#   scripts/browser.sh          install chromium + chromium-driver when missing, print the path
#
# Idempotent: a second run installs nothing. A temporary /usr/sbin/policy-rc.d keeps package
# scripts from starting daemons, and is removed again when this script made it.
set -euo pipefail

readonly PACKAGES=(chromium chromium-driver)

say() { echo "browser: $*" >&2; }
die() {
	say "$*"
	exit 1
}

installed() {
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 1
	done
	command -v chromium >/dev/null
}

POLICY_CREATED=0
remove_policy() {
	if ((POLICY_CREATED)); then
		rm -f /usr/sbin/policy-rc.d
		POLICY_CREATED=0
	fi
}

install_packages() {
	installed && return 0
	[[ $(id -u) == 0 ]] || die "chromium is missing and installing it needs root: apt-get install ${PACKAGES[*]}"
	say "installing ${PACKAGES[*]} (Debian packages, once per machine)"
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		POLICY_CREATED=1
		trap remove_policy EXIT
	fi
	export DEBIAN_FRONTEND=noninteractive
	local log
	log=$(mktemp /tmp/nasbot-browser-apt.XXXXXX)
	if ! apt-get install -s -qq "${PACKAGES[@]}" >/dev/null 2>&1; then
		apt-get update -qq >&2 || die "apt-get update failed"
	fi
	if ! apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$log" 2>&1; then
		# Package lists may be stale (files gone from the mirror): refresh once and retry.
		apt-get update -qq >&2 || die "apt-get update failed"
		apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$log" 2>&1 ||
			die "apt-get install failed; see $log"
	fi
	rm -f "$log"
	remove_policy
	installed || die "chromium still missing after install"
}

install_packages
command -v chromium
