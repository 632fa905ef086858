//! The registry documentation under docs/ is generated from the schema
//! Terraform loads from the provider binary, plus the examples. This test
//! fails when docs/ is stale; regenerate with `scripts/generate-docs.sh`
//! (which runs it with `UPDATE_DOCS=1`).

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{ADDRESS, env};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Attributes of a block grouped as the registry shows them.
#[derive(Default)]
struct Groups {
    required: Vec<String>,
    optional: Vec<String>,
    read_only: Vec<String>,
}

fn type_name(ty: &Value) -> String {
    match ty {
        Value::String(name) => name.clone(),
        Value::Array(parts) if parts.len() >= 2 => match parts[0].as_str() {
            Some("object") => "Object".to_owned(),
            Some(kind) => format!("{} of {}", capitalise(kind), type_name(&parts[1])),
            None => "Unknown".to_owned(),
        },
        _ => "Unknown".to_owned(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn line(name: &str, kind: &str, attribute: &Value, nested: bool) -> String {
    let mut flags = vec![kind.to_owned()];
    if attribute["sensitive"] == true {
        flags.push("Sensitive".to_owned());
    }
    if attribute["deprecated"] == true {
        flags.push("Deprecated".to_owned());
    }
    let description = attribute["description"].as_str().unwrap_or_default();
    let link = if nested {
        format!(" (see [below for nested schema](#nested-schema-for-{name}))")
    } else {
        String::new()
    };
    format!("- `{name}` ({}){link} {description}", flags.join(", "))
}

fn render_block(
    block: &Value,
    path: &str,
    out: &mut String,
    nested_out: &mut Vec<(String, Value)>,
) {
    let mut groups = Groups::default();
    let attributes: BTreeMap<String, Value> = block["attributes"]
        .as_object()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default();
    for (name, attribute) in &attributes {
        let kind = match attribute["nested_type"]["attributes"].as_object() {
            // Nested attributes: an object, its keys named.
            Some(inner) => {
                let keys: Vec<String> = inner.keys().map(|k| format!("`{k}`")).collect();
                format!("Object of {}", keys.join(", "))
            }
            None => type_name(&attribute["type"]),
        };
        let entry = line(name, &kind, attribute, false);
        if attribute["required"] == true {
            groups.required.push(entry);
        } else if attribute["optional"] == true {
            groups.optional.push(entry);
        } else {
            groups.read_only.push(entry);
        }
    }
    let blocks: BTreeMap<String, Value> = block["block_types"]
        .as_object()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default();
    for (name, nested) in &blocks {
        let max = nested["max_items"]
            .as_u64()
            .map(|m| format!(", Max: {m}"))
            .unwrap_or_default();
        let kind = format!(
            "Block {}{max}",
            capitalise(nested["nesting_mode"].as_str().unwrap_or("list"))
        );
        let full = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let entry = line(&full, &kind, &nested["block"], true).replacen(
            &format!("`{full}`"),
            &format!("`{name}`"),
            1,
        );
        if nested["min_items"].as_u64().unwrap_or(0) > 0 {
            groups.required.push(entry)
        } else {
            groups.optional.push(entry)
        }
        nested_out.push((full, nested["block"].clone()));
    }
    for (title, entries) in [
        ("Required", groups.required),
        ("Optional", groups.optional),
        ("Read-Only", groups.read_only),
    ] {
        if !entries.is_empty() {
            let _ = writeln!(out, "\n### {title}\n");
            for entry in entries {
                let _ = writeln!(out, "{entry}");
            }
        }
    }
}

fn render_schema(block: &Value, out: &mut String) {
    let mut pending = Vec::new();
    out.push_str("\n## Schema\n");
    render_block(block, "", out, &mut pending);
    while !pending.is_empty() {
        let (path, nested) = pending.remove(0);
        let _ = writeln!(
            out,
            "\n<a id=\"nested-schema-for-{path}\"></a>\n### Nested Schema for `{path}`"
        );
        let mut more = Vec::new();
        render_block(&nested, &path, out, &mut more);
        pending.extend(more);
    }
}

/// A file of the example directory for `name`, in the registry's layout:
/// `examples/resources/<name>/resource.tf` and `import.sh`,
/// `examples/data-sources/<name>/data-source.tf`,
/// `examples/ephemeral-resources/<name>/ephemeral-resource.tf`.
fn example(kind: &str, name: &str, file: &str) -> Option<String> {
    std::fs::read_to_string(
        Path::new(REPO)
            .join("examples")
            .join(kind)
            .join(name)
            .join(file),
    )
    .ok()
}

/// The page's file name: the registry's, without the provider prefix.
fn page_path(kind: &str, name: &str) -> PathBuf {
    let short = name.strip_prefix("aiven_").unwrap_or(name);
    Path::new(kind).join(format!("{short}.md"))
}

fn page(kind: &str, name: &str, schema: &Value) -> String {
    let block = &schema["block"];
    let description = block["description"].as_str().unwrap_or_default();
    let first_sentence = description
        .split(". ")
        .next()
        .unwrap_or_default()
        .trim_end_matches('.');
    let (label, example_file) = match kind {
        "resources" => ("Resource", "resource.tf"),
        "ephemeral-resources" => ("Ephemeral Resource", "ephemeral-resource.tf"),
        _ => ("Data Source", "data-source.tf"),
    };
    let mut out = format!(
        "---\npage_title: \"{name} {label} - aiven-rs\"\nsubcategory: \"\"\ndescription: |-\n  {first_sentence}.\n---\n\n# {name} ({label})\n\n{description}\n"
    );
    if let Some(example) = example(kind, name, example_file) {
        let _ = write!(
            out,
            "\n## Example Usage\n\n```terraform\n{}```\n",
            example.trim_start_matches('\n')
        );
    }
    render_schema(block, &mut out);
    let service = block["attributes"].get("service_uri").is_some();
    if let Some(import) = example(kind, name, "import.sh").filter(|_| kind == "resources") {
        let by = if service {
            "an existing service by `PROJECT/SERVICE_NAME`".to_owned()
        } else {
            let id = block["attributes"]["id"]["description"]
                .as_str()
                .unwrap_or_default();
            format!("an existing one by its ID, {}", id.trim_end_matches('.'))
        };
        let _ = write!(
            out,
            "\n## Import\n\nImport {by}, with an `import` block or:\n\n```shell\n{import}```\n"
        );
    }
    if kind == "resources" && service && name != "aiven_service" {
        out.push_str("\nService integrations are never copied to a fork; recreate them for the new service.\n");
    }
    out
}

fn index(provider: &Value) -> String {
    let mut out = String::from(
        "---\npage_title: \"aiven-rs Provider\"\ndescription: |-\n  Aiven-compatible managed data services, with forks from backups.\n---\n\n# aiven-rs Provider\n\n\
         Manages services that speak the Aiven API, on the hosted API or on aiven-local. Its headline capability is forking: \
         a complete, independent copy of a service restored from its backups: its latest backup, as the API makes it, or its latest transaction or a point in time. \
         See the [forking guide](guides/forking.md).\n\n## Example Usage\n\n```terraform\nterraform {\n  required_providers {\n    aiven = {\n      source = \"aiven-rs/aiven\"\n    }\n  }\n}\n\nprovider \"aiven\" {\n  # api_token = var.aiven_token   # or AIVEN_TOKEN\n  # api_url   = \"https://api.aiven.io\"   # or AIVEN_WEB_URL\n}\n```\n",
    );
    render_schema(&provider["block"], &mut out);
    out
}

/// The registry's kinds of page: the docs/ folder, and the schema key.
const KINDS: [(&str, &str); 3] = [
    ("resources", "resource_schemas"),
    ("data-sources", "data_source_schemas"),
    ("ephemeral-resources", "ephemeral_resource_schemas"),
];

/// Every generated file, by path under docs/.
fn generate(schema: &Value) -> BTreeMap<PathBuf, String> {
    let provider = &schema["provider_schemas"][ADDRESS];
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("index.md"), index(&provider["provider"]));
    for (kind, key) in KINDS {
        for (name, entry) in provider[key].as_object().expect("schemas") {
            files.insert(page_path(kind, name), page(kind, name, entry));
        }
    }
    files
}

#[test]
fn every_resource_and_data_source_has_its_examples() {
    let e = env();
    e.configure("");
    let schema = e.tf.providers_schema();
    let provider = &schema["provider_schemas"][ADDRESS];
    let mut missing = Vec::new();
    for (kind, key, files) in [
        (
            "resources",
            "resource_schemas",
            &["resource.tf", "import.sh"][..],
        ),
        (
            "data-sources",
            "data_source_schemas",
            &["data-source.tf"][..],
        ),
        (
            "ephemeral-resources",
            "ephemeral_resource_schemas",
            &["ephemeral-resource.tf"][..],
        ),
    ] {
        for name in provider[key].as_object().expect("schemas").keys() {
            for file in files {
                if example(kind, name, file).is_none() {
                    missing.push(format!("examples/{kind}/{name}/{file}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing examples: {missing:?}");
}

#[test]
fn docs_match_the_schema() {
    let e = env();
    e.configure("");
    let files = generate(&e.tf.providers_schema());
    let docs = Path::new(REPO).join("docs");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, contents) in &files {
        let target = docs.join(path);
        if std::fs::read_to_string(&target).ok().as_deref() != Some(contents.as_str()) {
            if update {
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, contents).unwrap();
            }
            stale.push(path.display().to_string());
        }
    }
    for (kind, _) in KINDS {
        for entry in std::fs::read_dir(docs.join(kind))
            .into_iter()
            .flatten()
            .flatten()
        {
            let relative = Path::new(kind).join(entry.file_name());
            if !files.contains_key(&relative) {
                if update {
                    std::fs::remove_file(entry.path()).unwrap();
                }
                stale.push(format!("{} (no longer in the schema)", relative.display()));
            }
        }
    }
    assert!(
        update || stale.is_empty(),
        "docs/ is stale: {}. Regenerate with scripts/generate-docs.sh",
        stale.join(", ")
    );
    assert!(files.len() >= 19, "index, 9 resources and 9 data sources");
    let pg = &files[Path::new("resources/pg.md")];
    assert!(
        pg.contains("forces a new service"),
        "descriptions say what forces replacement"
    );
    assert!(pg.contains("### Nested Schema for `pg_user_config`"));
}

/// The README's map of the code names files by path; a path that no longer
/// exists would send a newcomer to the wrong place.
#[test]
fn every_file_the_readme_architecture_names_exists() {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let architecture = readme
        .split("## Architecture")
        .nth(1)
        .expect("the README has an Architecture section");
    let named: Vec<&str> = architecture
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|text| text.starts_with("crates/") || text.starts_with("src/"))
        .collect();
    assert!(
        named.len() >= 8,
        "the section names files by path: {named:?}"
    );
    let missing: Vec<&&str> = named
        .iter()
        .filter(|path| !Path::new(REPO).join(path).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "README names missing files: {missing:?}"
    );
}

#[test]
fn the_pages_of_write_only_passwords_say_where_state_still_holds_one() {
    let root = Path::new(REPO).join("docs/resources");
    for page in ["pg_user.md", "connection_pool.md"] {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        let said = text
            .lines()
            .any(|line| line.contains("connection_uri") && line.contains("password_wo"));
        assert!(
            said,
            "{page} says a pool's connection_uri holds the password"
        );
    }
}
