#!/usr/bin/env python3
"""Brings the services API contract into the repository.

Reads the reference contract (the request and reply structures of Aiven's
published API, as its generated Go client has them) and writes the subset
this project speaks, in a compact form, to
crates/aiven-api/contract/services.json. The provider's tests and
aiven-local check requests and replies against that file, so a user's
machine needs nothing outside the repository.

    scripts/import-contract.py [path/to/api-contract.json]

The account and organization calls and the static IP patch, which the
reference leaves out, come from scripts/contract-supplement.json: facts
taken from the same generated client (go-client-codegen v0.239.0,
handler/account, handler/organization and handler/staticip).

Only facts carry over: endpoint paths and methods, field names, which
fields may be absent or null, and enum values. Two additions are ours and
marked as such in the output: the envelope each reply is wrapped in, and
the nullability of `project_vpc_id`, which the API sends as null for a
service on the public network.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/reference/api-contract.json"
# Facts the reference leaves out (accounts, organizations, the static IP
# patch), taken from the same generated client and kept in the repository.
SUPPLEMENT = ROOT / "scripts/contract-supplement.json"
TARGET = ROOT / "crates/aiven-api/contract/services.json"

# The operations this project speaks (the reference holds more: VPCs,
# static IPs, integrations, ClickHouse and OpenSearch objects); an
# operation is added here when aiven-local serves it and the provider or
# the tests call it.
SPOKEN = {
    "ProjectList", "ProjectCreate", "ProjectDelete", "ProjectGet", "ProjectUpdate",
    "ServiceList", "ServiceCreate", "ServiceDelete", "ServiceGet", "ServiceUpdate",
    "ServiceBackupsGet",
    "ServicePGBouncerCreate", "ServicePGBouncerDelete", "ServicePGBouncerUpdate",
    "ServiceDatabaseList", "ServiceDatabaseCreate", "ServiceDatabaseDelete",
    "ProjectServiceTagsList", "ProjectServiceTagsReplace",
    "ServiceUserCreate", "ServiceUserDelete", "ServiceUserGet",
    "ServiceUserCredentialsModify", "ServiceUserCredentialsReset",
    "ProjectServicePlanList", "ProjectServicePlanSpecsGet",
    "ProjectKmsGetCA",
    "ListClouds", "ListProjectClouds",
    "ServiceIntegrationCreate", "ServiceIntegrationGet", "ServiceIntegrationUpdate",
    "ServiceIntegrationDelete", "ServiceIntegrationList",
    "VpcCreate", "VpcGet", "VpcList", "VpcDelete",
    "StaticIPCreate", "StaticIPList", "StaticIPDelete",
    "ProjectStaticIPAssociate", "ProjectStaticIPDissociate",
    "ServiceOpenSearchAclGet", "ServiceOpenSearchAclSet", "ServiceOpenSearchAclUpdate",
    "ServiceClickHouseDatabaseCreate", "ServiceClickHouseDatabaseList",
    "ServiceClickHouseDatabaseDelete",
    "ServiceClickHouseUserCreate", "ServiceClickHouseUserList", "ServiceClickHouseUserDelete",
    "ServiceClickHousePasswordReset", "ServiceClickHouseQuery",
    "AccountCreate", "AccountList", "AccountGet", "AccountUpdate", "AccountDelete",
    "OrganizationGet", "OrganizationDelete", "ProjectStaticIPPatch",
}

# The envelope key each reply is wrapped in (None: the structure is the body).
ENVELOPES = {
    "ServiceCreate": "service",
    "ServiceGet": "service",
    "ServiceUpdate": "service",
    "ServiceUserCreate": "user",
    "ServiceUserGet": "user",
    "ServiceUserCredentialsModify": "service",
    "ServiceUserCredentialsReset": "service",
    "ProjectCreate": "project",
    "ProjectGet": "project",
    "ProjectUpdate": "project",
    "ServiceIntegrationCreate": "service_integration",
    "ServiceIntegrationGet": "service_integration",
    "ServiceIntegrationUpdate": "service_integration",
    "ServiceOpenSearchAclGet": "opensearch_acl_config",
    "ServiceOpenSearchAclSet": "opensearch_acl_config",
    "ServiceOpenSearchAclUpdate": "opensearch_acl_config",
    "ServiceClickHouseUserCreate": "user",
    "AccountCreate": "account",
    "AccountGet": "account",
    "AccountUpdate": "account",
}

# Replies the contract describes in words rather than by a structure.
INLINE_REPLIES = {
    "ServiceList": {"services": {"type": "[]ServiceOut"}},
    "ServiceClickHouseDatabaseList": {"databases": {"type": "[]ClickhouseDatabaseOut"}},
    "ProjectServiceTagsList": {"tags": {"type": "map[string]string"}},
    "ProjectServicePlanList": {"service_plans": {"type": "[]ServicePlanOut"}},
    "ProjectKmsGetCA": {"certificate": {"type": "string"}},
    "ListClouds": {"clouds": {"type": "[]CloudOut"}},
    "ListProjectClouds": {"clouds": {"type": "[]CloudOut"}},
    "ServiceIntegrationList": {"service_integrations": {"type": "[]ServiceIntegrationOut"}},
    "VpcList": {"vpcs": {"type": "[]VpcOut"}},
    "StaticIPList": {"static_ips": {"type": "[]StaticIPOut"}},
    "AccountList": {"accounts": {"type": "[]AccountOut"}},
    "ServiceClickHouseUserList": {"users": {"type": "[]ClickhouseUserOut"}},
    "ServiceClickHousePasswordReset": {"password": {"type": "string"}},
}

# Nullability the contract leaves out, with why.
NULLABLE = {
    ("project_vpc_id",): "null when the service is on the public network",
}


def type_names(go_type):
    """Struct and enum names a Go type refers to."""
    return re.findall(r"[A-Z][A-Za-z0-9]*", go_type.replace("time.Time", ""))


def main():
    contract = json.loads(SOURCE.read_text())
    supplement = json.loads(SUPPLEMENT.read_text())
    contract["endpoints"] += supplement["endpoints"]
    structs = {**supplement["structs"], **contract["structs"]}
    enums = {**supplement["enums"], **contract["enums"]}
    endpoints, wanted = [], []
    for endpoint in sorted(contract["endpoints"], key=lambda e: (e["path"], e["method"])):
        op = endpoint["op"]
        if op not in SPOKEN:
            continue
        entry = {"op": op, "method": endpoint["method"], "path": endpoint["path"]}
        if endpoint["in"]:
            entry["in"] = endpoint["in"]
            wanted.append(endpoint["in"])
        if op in INLINE_REPLIES:
            entry["out_inline"] = INLINE_REPLIES[op]
            wanted += [n for f in INLINE_REPLIES[op].values() for n in type_names(f["type"])]
        elif endpoint["out"]:
            entry["out"] = endpoint["out"]
            entry["envelope"] = ENVELOPES.get(op)
            wanted.append(endpoint["out"])
        endpoints.append(entry)
    kept_structs, kept_enums = {}, {}
    while wanted:
        name = wanted.pop()
        if name in kept_structs or name in kept_enums:
            continue
        if name in enums:
            kept_enums[name] = enums[name]
            continue
        if name not in structs:
            continue
        fields = {}
        for field in structs[name]:
            facts = {"type": field["go_type"]}
            if field.get("optional"):
                facts["optional"] = True
            if field.get("null_possible") or (field["json"],) in NULLABLE:
                facts["nullable"] = True
            fields[field["json"]] = facts
            wanted += type_names(field["go_type"])
        kept_structs[name] = fields
    out = {
        "about": "Facts of the Aiven services API (endpoints, fields that may be absent or null, enums), "
        "generated by scripts/import-contract.py; the account and organization calls and the static "
        "IP patch come from go-client-codegen v0.239.0 (scripts/contract-supplement.json). 'envelope' and the nullability "
        "of project_vpc_id are ours.",
        "endpoints": endpoints,
        "structs": dict(sorted(kept_structs.items())),
        "enums": dict(sorted(kept_enums.items())),
    }
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
    print(f"{TARGET.relative_to(ROOT)}: {len(endpoints)} endpoints, {len(kept_structs)} structures, {len(kept_enums)} enums")


if __name__ == "__main__":
    main()
