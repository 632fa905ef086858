//! HCL written for the official provider keeps working only if every
//! `<type>_user_config` path it can use exists here in the same shape: a
//! block where it has a block, an attribute of the same type where it has
//! an attribute. The shapes are the facts in
//! `crates/aiven-api/user-config/<type>.json`; the schema is the one
//! Terraform loads from the provider binary.

mod support;

use serde_json::Value as Json;
use support::{ADDRESS, env};

/// The shape a path should have in `terraform providers schema -json`
/// terms: `("block", _)` or `("attribute", type)`.
fn expected(field: &Json) -> (&'static str, Json) {
    let kind = field["kind"].as_str().unwrap();
    let scalar = |ty: &str| ("attribute", Json::String(ty.to_owned()));
    match kind {
        "object" | "object_list" => ("block", Json::Null),
        "map" => ("attribute", serde_json::json!(["map", "string"])),
        "string_list" => ("attribute", serde_json::json!(["set", "string"])),
        "int_list" => ("attribute", serde_json::json!(["list", "number"])),
        "integer" | "number" => scalar("number"),
        "boolean" => scalar("bool"),
        "enum" if field["integer"] == true => scalar("number"),
        _ => scalar("string"),
    }
}

/// Every path of `fields` that `block` lacks or shapes differently.
fn mismatches(fields: &Json, block: &Json, prefix: &str, out: &mut Vec<String>) {
    // Keys only the API has are not the official provider's paths.
    let official = fields
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["api_only"] != true);
    for field in official {
        let name = field["name"].as_str().unwrap();
        let path = format!("{prefix}{name}");
        let (shape, ty) = expected(field);
        if shape == "block" {
            match block["block_types"].get(name) {
                Some(nested) => {
                    mismatches(&field["fields"], &nested["block"], &format!("{path}."), out)
                }
                None => out.push(format!("{path}: no block")),
            }
            continue;
        }
        match block["attributes"].get(name) {
            // A list or a set of scalars is either; the element type counts.
            Some(attribute) if attribute["type"] == ty => {}
            Some(attribute) if attribute["type"][1] == ty[1] && ty.is_array() => {}
            Some(attribute) => {
                out.push(format!("{path}: {} here, {ty} expected", attribute["type"]))
            }
            None => out.push(format!("{path}: no attribute")),
        }
    }
}

#[test]
fn every_official_user_config_path_exists_here_in_the_same_shape() {
    let e = env();
    e.configure("");
    let schema = e.tf.providers_schema();
    let resources = &schema["provider_schemas"][ADDRESS]["resource_schemas"];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/aiven-api/user-config");
    let mut checked = 0;
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let facts: Json = serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
        let service_type = facts["service_type"].as_str().unwrap();
        let block = &resources[format!("aiven_{service_type}")]["block"]["block_types"]
            [format!("{service_type}_user_config")]["block"];
        let mut found = Vec::new();
        mismatches(&facts["fields"], block, "", &mut found);
        missing.extend(found.into_iter().map(|m| format!("{service_type}: {m}")));
        checked += 1;
    }
    assert_eq!(checked, 7, "the seven types with a published schema");
    assert!(
        missing.is_empty(),
        "{} paths differ:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
