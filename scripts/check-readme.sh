#!/usr/bin/env bash
# Runs the commands of the README's install, switching and aiven-local
# sections exactly as written (taken from the README itself, so an edit
# there is what gets run), in a scratch HOME, and checks what each promises:
# the provider installs from the mirror, state moves from the official
# provider, aiven-local answers with the token it was given.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# The ```sh blocks under a heading, up to the next heading.
block() {
  python3 - "$1" <<'EOF'
import re, sys
heading = sys.argv[1]
text = open("README.md").read()
start = text.index("\n" + heading + "\n")
rest = text[start + len(heading) + 2:]
stop = re.search(r"^#+ ", rest, re.M)
section = rest[: stop.start()] if stop else rest
print("\n".join(re.findall(r"```sh\n(.*?)```", section, re.S)))
EOF
}

scratch=$(mktemp -d /tmp/check-readme.XXXXXX)
chmod 711 "$scratch"
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
# Cargo and rustup keep their homes; only what the README touches under ~
# moves to the scratch HOME.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export HOME="$scratch/home"
mkdir -p "$HOME"

echo "== README: Install the provider"
bash -euo pipefail -c "$(block '## Install the provider')"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
mkdir -p "$scratch/official"
cd "$scratch/official"
cat > main.tf <<EOF
terraform {
  required_providers {
    aiven = {
      source  = "aiven/aiven"
      version = "$version"
    }
  }
}
EOF
cat > terraform.tfstate <<'EOF'
{"version": 4, "terraform_version": "1.11.0", "serial": 1, "lineage": "check-readme", "outputs": {},
 "resources": [{"mode": "managed", "type": "aiven_pg", "name": "main",
   "provider": "provider[\"registry.terraform.io/aiven/aiven\"]",
   "instances": [{"schema_version": 1, "attributes": {"id": "p/pg-main"}, "sensitive_attributes": []}]}],
 "check_results": null}
EOF

echo "== README: Switching from the official provider"
bash -euo pipefail -c "$(cd "$repo" && block '### Switching from the official provider')"
grep -q 'registry.terraform.io/aiven-rs/aiven' terraform.tfstate
test -x ".terraform/providers/registry.terraform.io/aiven-rs/aiven/$version/linux_amd64/terraform-provider-aiven_v$version"
cd "$repo"

echo "== README: aiven-local"
commands=$(block '## aiven-local')
# The block starts the server in the background and exports its address;
# the check runs in the same shell to see them.
bash -euo pipefail -c "$commands
echo \$! > '$scratch/server.pid'
for _ in \$(seq 1 100); do
  curl -sf -H \"Authorization: aivenv1 \$AIVEN_TOKEN\" \"\$AIVEN_WEB_URL/v1/project\" >/dev/null && exit 0
  sleep 0.1
done
echo 'aiven-local did not answer as the README says' >&2
exit 1"
server=$(cat "$scratch/server.pid")
echo "README commands: ok"
