#!/usr/bin/env bash
# The README's test command: installs what the tests need beyond Go, then
# runs every test of the module with the race detector. Arguments go to
# go test, before the package list.
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
updated=""
apt_install() {
	if [ -z "$updated" ]; then
		apt_get update
		updated=yes
	fi
	DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends "$@"
}

# The browser test of verdict ui (internal/ui) drives Debian's chromium
# headless; it fails, never skips, without it.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${VERDICT_CHROMIUM:-}" ]; then
	echo "== installing chromium for the browser test"
	apt_install chromium
fi

# The real-API-server tests (internal/kubetest, kubesync, verdict serve)
# run Debian's etcd and a kube-apiserver built from tools/kube-apiserver,
# cached by the hash of its go.mod and go.sum and the Go version (about 7
# minutes the first time); they fail, never skip, without them.
if ! command -v etcd >/dev/null 2>&1 && [ -z "${VERDICT_ETCD:-}" ]; then
	echo "== installing etcd-server for the real-API-server tests"
	apt_install etcd-server
fi
key=$(cat tools/kube-apiserver/go.mod tools/kube-apiserver/go.sum | sha256sum | cut -c1-16)-$(go env GOVERSION)
cache=${VERDICT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verdict}
bin="$cache/kube-apiserver-$key"
if [ ! -x "$bin" ]; then
	echo "== building kube-apiserver into $bin"
	mkdir -p "$cache"
	(cd tools/kube-apiserver && go build -o "$bin.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
	mv "$bin.tmp" "$bin"
fi
export VERDICT_KUBE_APISERVER="$bin"
export VERDICT_ETCD="${VERDICT_ETCD:-$(command -v etcd)}"

echo "== go test -race ./..."
go test -race -timeout 30m "$@" ./...

# The race detector multiplies the memory a process holds and distorts
# times, so the tests of a JSON List's peak memory and of Docker input's
# linear load skip themselves under it; they run here once more without
# (a few seconds).
echo "== go test -run '^(TestJSONListMemory|TestDockerLoadIsLinear)\$' ./policy (without -race)"
go test -count=1 -run '^(TestJSONListMemory|TestDockerLoadIsLinear)$' ./policy

# The Beam pipeline is its own module (beam/), so that the library never
# links Beam; its tests run it on prism, in process and offline, against
# the single-process commands. Without -race, to keep this module's share
# of CI's time small (the engine it calls is race-tested above).
echo "== beam module: go vet, go test (prism)"
(cd beam && go vet ./... && go test -timeout 20m ./...)
