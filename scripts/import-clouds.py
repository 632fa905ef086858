#!/usr/bin/env python3
"""Writes crates/aiven-api/src/clouds.rs from Aiven's published list of
cloud regions (aiven/aiven-docs, static/includes/clouds-list.md, which
Aiven's docs refresh weekly from the API). Usage:

    scripts/import-clouds.py AIVEN_DOCS_CHECKOUT [COMMIT]

Only the facts are taken: each cloud's name, region and description, and
the section (the cloud provider) it is listed under."""

import re
import subprocess
import sys

docs, commit = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "HEAD")
path = "static/includes/clouds-list.md"
text = subprocess.check_output(["git", "-C", docs, "show", f"{commit}:{path}"], text=True)
resolved = subprocess.check_output(["git", "-C", docs, "rev-parse", commit], text=True).strip()

# The providers whose cloud names start with their API name; the others
# (OVH's `avn-ovh-…`, Oracle's bare region names) leave `provider` out,
# as we do not know what the API says there.
PREFIXED = {"Amazon Web Services": "aws", "Azure": "azure", "DigitalOcean": "do",
            "Google Cloud": "google", "UpCloud": "upcloud"}

rows = []
for section in re.split(r"\n## ", text)[1:]:
    heading = re.sub(r"<[^>]*>", "", section.split("\n", 1)[0]).strip()
    provider = PREFIXED.get(heading)
    for region, name, description in re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", section, re.S
    ):
        rows.append((name.strip(), region.strip().lower(), description.strip(), heading, provider))

def rust(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

out = [
    "//! The clouds the platform offers, as Aiven's documentation lists them",
    f"//! (aiven/aiven-docs `{path}` at {resolved[:12]}, refreshed there weekly",
    "//! from the API). aiven-local serves these on `GET /v1/clouds` and takes",
    "//! a service or project in no other; the provider checks a configured",
    "//! cloud against what the API it talks to lists, never against this.",
    "//! Written by `scripts/import-clouds.py`; do not edit by hand.",
    "",
    "/// One cloud region.",
    "#[derive(Debug, Clone, Copy, PartialEq)]",
    "pub struct Cloud {",
    "    /// The name requests use, e.g. `google-europe-west1`.",
    "    pub name: &'static str,",
    "    /// The continent-scale region it is listed under, lower case.",
    "    pub geo_region: &'static str,",
    "    /// Where it is, in the documentation's words.",
    "    pub description: &'static str,",
    "    /// The cloud provider's heading in the documentation.",
    "    pub provider_description: &'static str,",
    "    /// The provider's short name, where the cloud's name starts with it.",
    "    pub provider: Option<&'static str>,",
    "}",
    "",
    f"/// Every published cloud ({len(rows)}).",
    "pub const CLOUDS: &[Cloud] = &[",
]
for name, region, description, heading, provider in rows:
    p = f"Some({rust(provider)})" if provider else "None"
    out.append(
        f"    Cloud {{ name: {rust(name)}, geo_region: {rust(region)}, description: {rust(description)}, provider_description: {rust(heading)}, provider: {p} }},"
    )
out += ["];", ""]
target = "crates/aiven-api/src/clouds.rs"
open(target, "w").write("\n".join(out))
subprocess.run(["rustfmt", "--edition", "2024", target], check=True)
print(f"{len(rows)} clouds from {resolved}")
