#!/usr/bin/env bash
# Benchmark: `terraform plan` (with refresh) of N services on aiven-local
# against N terraform_data resources, and the wall time a fork apply adds
# on top of aiven-local's own fork time.
#
# Two baselines: terraform_data holding one short string, and terraform_data
# holding the very values each service has in state (sensitive ones marked
# sensitive). Terraform's own work per resource grows with the values it
# carries, whichever provider owns them; the second baseline has the same
# values without any plugin, so the ratio against it is what the provider
# adds. The script also prints the CPU the provider process used.
# Usage: bench/plan.sh [N, default 500]
set -euo pipefail
count=${1:-500}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --quiet --release --workspace --bins
. bench/lib.sh
start_aiven_local plan --provision-delay 0ms

mkdir -p "$work/plugins" "$work/services" "$work/baseline" "$work/same-values" "$work/fork"
# A wrapper that records the provider's CPU time: the second line of bash's
# `times` is that of the finished child.
cat >"$work/plugins/terraform-provider-aiven" <<SH
#!/usr/bin/env bash
"$repo/target/release/terraform-provider-aiven" "\$@"
status=\$?
times >>"$work/provider-cpu"
exit \$status
SH
chmod +x "$work/plugins/terraform-provider-aiven"
use_provider_from "$work/plugins"

cat >"$work/services/main.tf" <<TF
terraform {
  required_providers {
    aiven = { source = "aiven-rs/aiven" }
  }
}
resource "aiven_service" "s" {
  count        = $count
  project      = "bench"
  service_name = "svc-\${count.index}"
  service_type = "grafana"
  plan         = "startup-4"
}
TF
cat >"$work/baseline/main.tf" <<TF
resource "terraform_data" "d" {
  count = $count
  input = "svc-\${count.index}"
}
TF

elapsed() { python3 -c "print(f'{$(now) - $1:.3f}')"; }
median_plan() {
  local dir=$1 runs=()
  for _ in 1 2 3 4 5; do
    local t; t=$(now)
    terraform -chdir="$dir" plan -refresh=true -detailed-exitcode -no-color >/dev/null
    runs+=("$(elapsed "$t")")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p
}

t=$(now)
terraform -chdir="$work/services" apply -auto-approve -parallelism=20 -no-color >/dev/null
echo "apply of $count services: $(elapsed "$t") s"
terraform -chdir="$work/baseline" apply -auto-approve -no-color >/dev/null
# The same-values baseline: service 0's state with its index made
# count.index, so every instance carries values of the same shape and size.
terraform -chdir="$work/services" show -json | python3 -c '
import json, re, sys
count = int(sys.argv[1])
state = json.load(sys.stdin)
first = next(r for r in state["values"]["root_module"]["resources"] if r["index"] == 0)
fields = []
for name, value in first["values"].items():
    text = json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    text = re.sub(r"\bsvc-0\b", "svc-${count.index}", text)
    if first["sensitive_values"].get(name) is True:
        text = f"sensitive({text})"
    fields.append(f"    {name} = {text}")
body = "\n".join(fields)
print(f"resource \"terraform_data\" \"d\" {{\n  count = {count}\n  triggers_replace = {{\n{body}\n  }}\n}}")
' "$count" >"$work/same-values/main.tf"
terraform -chdir="$work/same-values" apply -auto-approve -no-color >/dev/null
: >"$work/provider-cpu"
services=$(median_plan "$work/services")
provider_cpu=$(awk 'NR % 2 == 0 { sub(/s$/, "", $1); sub(/s$/, "", $2); split($1, u, "m"); split($2, k, "m"); total += u[1] * 60 + u[2] + k[1] * 60 + k[2]} END { printf "%.3f", total / 5 }' "$work/provider-cpu")
baseline=$(median_plan "$work/baseline")
same_values=$(median_plan "$work/same-values")
echo "plan with refresh, $count aiven_service:                      $services s (median of 5; the provider process used $provider_cpu s of CPU per plan)"
echo "plan with refresh, $count terraform_data with one string:     $baseline s (median of 5)"
echo "plan with refresh, $count terraform_data with the same values: $same_values s (median of 5)"
python3 -c "print(f'ratio against one string:      {$services / $baseline:.2f}')"
python3 -c "print(f'ratio against the same values: {$services / $same_values:.2f} (target <= 1.5)')"

# Fork overhead: aiven-local's own fork (POST, then poll every 20 ms)
# against terraform apply of the same fork.
api="http://127.0.0.1:$port/v1/project/bench"
call -X POST "$api/service" -d '{"service_name":"src","service_type":"pg","plan":"startup-4"}' >/dev/null
until call "$api/service/src/backups" | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['backups'] else 1)"; do sleep 0.1; done
runs_api=(); runs_tf=()
# One process posts and polls, so the API figure holds no process start-ups.
api_fork() {
  python3 - "$api" "$token" "$1" <<'PY'
import json, sys, time, urllib.request
api, token, name = sys.argv[1:]
def call(method, path, body=None):
    request = urllib.request.Request(api + path, method=method, data=body and json.dumps(body).encode(),
                                     headers={"Authorization": f"aivenv1 {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)
start = time.monotonic()
call("POST", "/service", {"service_name": name, "service_type": "pg", "plan": "startup-4",
                          "user_config": {"service_to_fork_from": "src"}})
while call("GET", f"/service/{name}")["service"]["state"] != "RUNNING":
    time.sleep(0.02)
print(f"{time.monotonic() - start:.3f}")
PY
}
for i in 1 2 3; do
  runs_api+=("$(api_fork "api-fork-$i")")
  cat >"$work/fork/main.tf" <<TF
terraform {
  required_providers {
    aiven = { source = "aiven-rs/aiven" }
  }
}
resource "aiven_pg" "fork" {
  project      = "bench"
  service_name = "tf-fork-$i"
  plan         = "startup-4"
  pg_user_config {
    service_to_fork_from = "src"
  }
}
TF
  rm -f "$work/fork/terraform.tfstate"
  t=$(now)
  terraform -chdir="$work/fork" apply -auto-approve -no-color >/dev/null
  runs_tf+=("$(elapsed "$t")")
done
api_median=$(printf '%s\n' "${runs_api[@]}" | sort -n | sed -n 2p)
tf_median=$(printf '%s\n' "${runs_tf[@]}" | sort -n | sed -n 2p)
echo "fork via the API (POST until RUNNING):   $api_median s (median of 3)"
echo "fork via terraform apply (whole command): $tf_median s (median of 3)"
python3 -c "print(f'terraform adds {$tf_median - $api_median:.2f} s on top (target < 1 s), including terraform start-up, plan and state writes')"
