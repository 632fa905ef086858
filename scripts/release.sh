#!/usr/bin/env bash
# Builds the release artifacts of the provider in the layout the Terraform
# Registry and `terraform init` expect:
#
#   dist/terraform-provider-aiven_<version>_linux_amd64.zip
#   dist/terraform-provider-aiven_<version>_manifest.json   (protocol 6.0)
#   dist/terraform-provider-aiven_<version>_SHA256SUMS
#   dist/mirror/registry.terraform.io/aiven-rs/aiven/...    (a filesystem mirror,
#   dist/mirror/registry.opentofu.org/aiven-rs/aiven/...     for Terraform and OpenTofu)
#
# Usage: scripts/release.sh [--binary PATH] [--out DIR]
# Without --binary it builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
out="dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "release.sh: unknown argument $1 (use --binary PATH, --out DIR)" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
platform=linux_amd64
name=terraform-provider-aiven
if [ -z "$binary" ]; then
  cargo build --release --quiet -p terraform-provider-aiven
  binary=target/release/$name
fi

# Only a directory this script made before is emptied.
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && ! ls "$out"/*_SHA256SUMS >/dev/null 2>&1; then
  echo "release.sh: $out is not empty and holds no earlier release; choose another --out" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
zip="${name}_${version}_${platform}.zip"
manifest="${name}_${version}_manifest.json"

# The Registry's naming: the binary inside the zip carries its version.
python3 - "$binary" "$out/$zip" "${name}_v${version}" <<'EOF'
import sys, zipfile
binary, archive, member = sys.argv[1:]
info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
info.external_attr = 0o755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(archive, "w") as out, open(binary, "rb") as data:
    out.writestr(info, data.read())
EOF
cp terraform-registry-manifest.json "$out/$manifest"
(cd "$out" && sha256sum "$zip" "$manifest" > "${name}_${version}_SHA256SUMS")

# A packed filesystem mirror: terraform init -plugin-dir, or a
# provider_installation { filesystem_mirror } block, installs from it. A
# bare `source = "aiven-rs/aiven"` means Terraform's registry to Terraform
# and OpenTofu's to OpenTofu, so the mirror holds the package under both.
for host in registry.terraform.io registry.opentofu.org; do
  mirror="$out/mirror/$host/aiven-rs/aiven"
  mkdir -p "$mirror"
  cp "$out/$zip" "$mirror/"
done

echo "$out/$zip"
echo "$out/${name}_${version}_SHA256SUMS"
echo "$out/$manifest"
echo "$out/mirror"
