//! The plugin layer driven by the real `terraform` binary through the
//! fixture provider: handshake with AutoMTLS, every RPC of a resource's
//! life, and the diagnostics a user sees.

mod fixture;

use tfplugin::harness::Terraform;

struct Setup {
    tf: Terraform,
    store: std::path::PathBuf,
}

fn setup(resource_body: &str) -> Setup {
    let tf = Terraform::new(fixture::ADDRESS, &fixture::provider_binary()).unwrap();
    let store = tf.work_dir().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let setup = Setup { tf, store };
    setup.configure(resource_body);
    setup
}

impl Setup {
    fn configure(&self, resource_body: &str) {
        self.tf.write(
            "main.tf",
            &format!(
                r#"
terraform {{
  required_providers {{
    fixture = {{ source = "aiven-rs/fixture" }}
  }}
}}
provider "fixture" {{ store_dir = "{}" }}
resource "fixture_thing" "a" {{
{resource_body}
}}
"#,
                self.store.display()
            ),
        );
    }
}

#[test]
fn lifecycle_create_replan_update_replace_import_and_recreate() {
    let s = setup(
        r#"name = "one"
size = 3
token = "write-only"
payload = { list = [1, 2], text = "x" }
limits = { cpu = 2.5, note = "quiet" }
settings { origin = "a" }"#,
    );
    s.tf.apply().assert_ok();
    let state = s.tf.resource("fixture_thing.a").expect("in state");
    assert_eq!(state["id"], "thing-one");
    assert_eq!(state["revision"], 1);
    assert_eq!(
        state["settings"][0]["mode"], "fast",
        "default applied in nested block"
    );
    assert!(
        state["token"].is_null(),
        "write-only values are never stored"
    );
    assert_eq!(
        state["payload"]["list"][1], 2,
        "dynamic value kept its structure"
    );
    assert_eq!(s.tf.plan().code, 0, "plan after apply must be empty");

    s.configure(
        r#"name = "one"
size = 4
payload = { list = [1, 2], text = "x" }
settings { origin = "a" }"#,
    );
    let plan = s.tf.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);
    s.tf.apply().assert_ok();
    let state = s.tf.resource("fixture_thing.a").unwrap();
    assert_eq!(state["revision"], 2, "computed value refreshed by update");
    assert_eq!(state["id"], "thing-one", "id kept its state");

    s.configure(
        r#"name = "one"
size = 4
payload = { list = [1, 2], text = "x" }
settings { origin = "b" }"#,
    );
    let plan = s.tf.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("forces replacement"),
        "nested requires_replace: {}",
        plan.stdout
    );
    assert!(plan.stdout.contains("origin"), "{}", plan.stdout);

    // Remove from state and import it back.
    s.tf.run(&["state", "rm", "fixture_thing.a"]).assert_ok();
    s.tf.import("fixture_thing.a", "thing-one").assert_ok();
    let imported = s.tf.resource("fixture_thing.a").unwrap();
    assert_eq!(imported["size"], 4);

    // Deleted behind Terraform's back: the next plan creates it again.
    std::fs::remove_file(s.store.join("thing-one.json")).unwrap();
    let plan = s.tf.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);
}

#[test]
fn validation_errors_name_the_attribute_at_plan_time() {
    let s = setup(
        r#"name = "one"
size = 11"#,
    );
    let output = s.tf.plan().assert_failed();
    assert!(output.contains("Invalid size"), "{output}");
    assert!(
        output.contains("size must be between 0 and 10, got 11"),
        "{output}"
    );
    assert!(
        output.contains("size = 11"),
        "Terraform points at the offending line: {output}"
    );
}

#[test]
fn destroy_can_be_refused_at_plan_time() {
    let s = setup(
        r#"name = "guarded"
labels = { protected = "true" }"#,
    );
    s.tf.apply().assert_ok();
    let output = s.tf.run(&["plan", "-destroy", "-no-color"]).assert_failed();
    assert!(output.contains("cannot be destroyed"), "{output}");
    assert!(s.store.join("thing-guarded.json").exists());
}

#[test]
fn a_panic_becomes_a_diagnostic_without_backtrace() {
    let s = setup(
        r#"name = "boom"
panic = true"#,
    );
    let output = s.tf.apply().assert_failed();
    assert!(
        output.contains("Internal error in the provider"),
        "{output}"
    );
    assert!(output.contains("asked to panic"), "{output}");
    for leak in [
        "stack backtrace",
        "panicked at",
        "RUST_BACKTRACE",
        "plugin exited",
        "unexpected EOF",
    ] {
        assert!(!output.contains(leak), "{leak:?} leaked: {output}");
    }
}

#[test]
fn stored_state_from_an_older_schema_is_upgraded() {
    let s = setup(
        r#"name = "old"
size = 7"#,
    );
    std::fs::write(
        s.store.join("thing-old.json"),
        r#"{"id":"thing-old","name":"old","size":7,"revision":1,"settings":[]}"#,
    )
    .unwrap();
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "00000000-0000-0000-0000-000000000000",
        "outputs": {},
        "resources": [{
            "mode": "managed", "type": "fixture_thing", "name": "a",
            "provider": "provider[\"registry.terraform.io/aiven-rs/fixture\"]",
            "instances": [{
                "schema_version": 0,
                "attributes": {"id": "thing-old", "name": "old", "capacity": 7, "revision": 1, "settings": []},
                "sensitive_attributes": [[{"type": "get_attr", "value": "secret"}]]
            }]
        }]
    });
    s.tf.write("terraform.tfstate", &state.to_string());
    let plan =
        s.tf.run(&["plan", "-refresh=false", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        plan.code, 0,
        "capacity upgraded to size: {}{}",
        plan.stdout, plan.stderr
    );
}

#[test]
fn data_sources_read_and_report_missing_objects_at_their_attribute() {
    let s = setup(
        r#"name = "one"
size = 5"#,
    );
    s.tf.apply().assert_ok();
    let main = std::fs::read_to_string(s.tf.work_dir().join("main.tf")).unwrap();
    s.tf.write(
        "main.tf",
        &format!("{main}\ndata \"fixture_lookup\" \"l\" {{ id = fixture_thing.a.id }}\noutput \"size\" {{ value = data.fixture_lookup.l.size }}\n"),
    );
    s.tf.apply().assert_ok();
    let output = s.tf.run(&["output", "-raw", "size"]);
    assert_eq!(output.stdout.trim(), "5");

    s.tf.write(
        "lookup.tf",
        "data \"fixture_lookup\" \"missing\" { id = \"nope\" }\n",
    );
    let output = s.tf.plan().assert_failed();
    assert!(output.contains("No thing with id \"nope\""), "{output}");
}

#[test]
fn schema_loads_with_flags_intact() {
    let s = setup(r#"name = "x""#);
    let schema = s.tf.providers_schema();
    // Keyed by the client's registry: OpenTofu names its own.
    let (_, name) = fixture::ADDRESS
        .split_once('/')
        .expect("host/namespace/type");
    let (_, provider) = schema["provider_schemas"]
        .as_object()
        .and_then(|providers| providers.iter().find(|(key, _)| key.ends_with(name)))
        .expect("the fixture's schema");
    let secret = &provider["ephemeral_resource_schemas"]["fixture_secret"]["block"];
    assert_eq!(secret["attributes"]["value"]["sensitive"], true);
    let thing = &provider["resource_schemas"]["fixture_thing"];
    assert_eq!(thing["version"], 1);
    let attributes = &thing["block"]["attributes"];
    assert_eq!(attributes["token"]["write_only"], true);
    assert_eq!(attributes["secret"]["sensitive"], true);
    assert_eq!(attributes["name"]["required"], true);
    assert_eq!(thing["block"]["block_types"]["settings"]["max_items"], 1);
    let limits = &attributes["limits"]["nested_type"];
    assert_eq!(limits["nesting_mode"], "single");
    assert_eq!(limits["attributes"]["note"]["sensitive"], true);
}

#[test]
fn an_ephemeral_value_reaches_a_write_only_argument_and_never_the_state() {
    let s = setup(
        r#"name = "one"
token = ephemeral.fixture_secret.s.value"#,
    );
    std::fs::write(s.store.join("db.secret"), "opened-not-stored\n").unwrap();
    s.tf.write(
        "secret.tf",
        "ephemeral \"fixture_secret\" \"s\" { name = \"db\" }\n",
    );
    s.tf.apply().assert_ok();
    let delivered = std::fs::read_to_string(s.store.join("thing-one.token")).unwrap();
    assert_eq!(delivered, "opened-not-stored", "the provider got the value");
    let state = std::fs::read_to_string(s.tf.work_dir().join("terraform.tfstate")).unwrap();
    assert!(state.contains("thing-one"), "the state holds the thing");
    assert!(!state.contains("opened-not-stored"), "{state}");
    let plan = s.tf.run(&["plan", "-out=saved.plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "replans empty: {}{}",
        plan.stdout, plan.stderr
    );
    // The saved plan is a zip: read it as Terraform shows it.
    let saved = s.tf.run(&["show", "-json", "saved.plan"]);
    saved.assert_ok();
    assert!(saved.stdout.contains("thing-one"), "{}", saved.stdout);
    assert!(!saved.stdout.contains("opened-not-stored"), "nor the plan");

    // An error of the ephemeral resource names its attribute at plan time.
    s.tf.write(
        "secret.tf",
        "ephemeral \"fixture_secret\" \"s\" { name = \"missing\" }\n",
    );
    let output = s.tf.plan().assert_failed();
    assert!(output.contains("No secret named \"missing\""), "{output}");
}
