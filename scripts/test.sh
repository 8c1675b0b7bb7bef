#!/usr/bin/env bash
# The README's test command: installs what the tests need beyond Go, then
# runs every test of the module with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."

# Root runs apt-get itself; anyone else through sudo.
apt_get() {
	if [ "$(id -u)" -eq 0 ]; then
		apt-get "$@"
	else
		sudo apt-get "$@"
	fi
}

# The browser test of verdict ui (internal/ui) drives Debian's chromium
# headless; it fails, never skips, without it.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${VERDICT_CHROMIUM:-}" ]; then
	echo "== installing chromium for the browser test"
	apt_get update
	DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends chromium
fi

echo "== go test -race ./..."
go test -race -timeout 30m ./...
