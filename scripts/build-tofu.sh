#!/usr/bin/env bash
# Builds OpenTofu VERSION (MPL-2.0) from its source on the Go module proxy
# into /opt/aiven-local/tofu-VERSION/tofu, once (a build that is there and
# reports VERSION is kept), and prints the binary's path. The tests run
# the Terraform-driving suites with it through $TERRAFORM.
#
# OpenTofu's go.mod has a `replace` (its fork of hcl), so `go install
# module@version` refuses it; the module is downloaded and built from a
# writable copy instead, with Go 1.25 or newer (OpenTofu 1.11's go.mod):
# the machine's, or one fetched from the module proxy.
# Usage: scripts/build-tofu.sh VERSION   (e.g. 1.11.5)
set -euo pipefail
version=${1:?usage: scripts/build-tofu.sh VERSION}
dest=/opt/aiven-local/tofu-$version
if "$dest/tofu" version 2>/dev/null | grep -qx "OpenTofu v$version"; then
  echo "$dest/tofu"
  exit 0
fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

# A Go of 1.25 or newer: the machine's, else Go itself from the module
# proxy (published there as golang.org/toolchain), kept in /opt/aiven-local.
go_version=1.25.6
go=$(command -v go || true)
if [ -z "$go" ] || ! "$go" version | grep -Eq 'go1\.(2[5-9]|[3-9][0-9])'; then
  go_root=/opt/aiven-local/go-$go_version
  if [ ! -x "$go_root/bin/go" ]; then
    proxy=${GOPROXY:-https://proxy.golang.org}
    proxy=${proxy%%,*}
    case "$proxy" in direct | off | "") proxy=https://proxy.golang.org ;; esac
    echo "build-tofu: fetching Go $go_version from $proxy" >&2
    curl -fsSL "$proxy/golang.org/toolchain/@v/v0.0.1-go$go_version.linux-amd64.zip" -o "$work/go.zip"
    python3 -m zipfile -e "$work/go.zip" "$work/go"
    unpacked="$work/go/golang.org/toolchain@v0.0.1-go$go_version.linux-amd64"
    # A zip keeps no file modes.
    chmod +x "$unpacked"/bin/* "$unpacked"/pkg/tool/*/*
    "${as_root[@]}" mkdir -p "$(dirname "$go_root")"
    "${as_root[@]}" rm -rf "$go_root"
    "${as_root[@]}" cp -r "$unpacked" "$go_root"
  fi
  go=$go_root/bin/go
  export GOTOOLCHAIN=local
fi

echo "build-tofu: building OpenTofu $version from the Go module proxy into $dest" >&2
src=$("$go" mod download -json "github.com/opentofu/opentofu@v$version" |
  python3 -c 'import json, sys; m = json.load(sys.stdin); print(m.get("Dir") or sys.exit("build-tofu: " + m.get("Error", "no module")))')
cp -r "$src/." "$work/src"
chmod -R u+w "$work/src"
# version.dev=no: the release's own version, without the "-dev" marker.
(cd "$work/src" && CGO_ENABLED=0 "$go" build -trimpath \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
  -o "$work/tofu" ./cmd/tofu)
"${as_root[@]}" mkdir -p "$dest"
"${as_root[@]}" install -m 755 "$work/tofu" "$dest/tofu"
echo "$dest/tofu"
