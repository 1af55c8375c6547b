#!/usr/bin/env bash
# Build go-ethereum (geth) from its Go module, pinned, once; cached under var/geth/.
# v1.13.15 is the last release that seals Clique proof-of-authority blocks (1.14 removed it).
# With Go >= 1.23 it links only with -ldflags=-checklinkname=0 (its memsize dependency uses a
# runtime linkname); that flag is the documented Go workaround.
set -euo pipefail
GETH_VERSION="${GETH_VERSION:-1.13.15}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
GOBIN_DIR="${HPF_GETH_DIR:-$ROOT/var/geth}/v$GETH_VERSION"
GETH="$GOBIN_DIR/geth"

version_ok() {
    [ -x "$GETH" ] && "$GETH" version 2>/dev/null | grep -q "^Version: ${GETH_VERSION}-stable"
}

if version_ok; then
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    echo "bootstrap-geth: Go is not installed (needed to build geth $GETH_VERSION from its Go module)" >&2
    exit 1
fi
mkdir -p "$GOBIN_DIR"
echo "==> building geth v$GETH_VERSION from the Go module proxy (once; ~1.5 min on 2 cores)"
GOBIN="$GOBIN_DIR" GOFLAGS=-mod=mod go install -ldflags=-checklinkname=0 \
    "github.com/ethereum/go-ethereum/cmd/geth@v$GETH_VERSION"
if ! version_ok; then
    echo "bootstrap-geth: $GETH is not geth $GETH_VERSION" >&2
    exit 1
fi
