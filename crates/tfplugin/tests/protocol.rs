//! The provider service spoken to directly through a tonic client, for
//! what Terraform cannot be made to send on demand: refined unknowns,
//! malformed values, cancellation mid-apply, and resource identity, which
//! Terraform 1.11 never asks for.

mod fixture;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::schema::{Attribute, Block};
use tfplugin::value::{Type, Value};
use tonic::transport::Channel;

/// The fixture provider started in `--debug` mode, killed on drop.
struct Debugged {
    child: Child,
    client: ProviderClient<Channel>,
    thing: Type,
}

impl Drop for Debugged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start() -> Debugged {
    let mut child = Command::new(fixture::provider_binary())
        .arg("--debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut address = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(json) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
            let reattach: serde_json::Value =
                serde_json::from_str(json.trim_end_matches('\'')).unwrap();
            let entry = &reattach[fixture::ADDRESS];
            assert_eq!(entry["ProtocolVersion"], 6);
            address = entry["Addr"]["String"].as_str().map(str::to_owned);
            break;
        }
    }
    let address = address.expect("debug mode prints TF_REATTACH_PROVIDERS");
    let client = ProviderClient::connect(format!("http://{address}"))
        .await
        .unwrap();
    let mut debugged = Debugged {
        child,
        client,
        thing: Type::Dynamic,
    };
    let schema = debugged
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let thing = &schema.resource_schemas["fixture_thing"];
    debugged.thing = schema_type(thing.block.as_ref().unwrap());
    debugged
}

/// Rebuilds a block's value type from its wire schema, as Terraform does.
fn schema_type(block: &pb::schema::Block) -> Type {
    let mut rebuilt = Block::default();
    for attribute in &block.attributes {
        rebuilt.attributes.push(Attribute::new(
            attribute.name.clone(),
            attribute_type(attribute),
        ));
    }
    let Type::Object(mut attributes) = rebuilt.value_type() else {
        unreachable!()
    };
    for nested in &block.block_types {
        attributes.insert(
            nested.type_name.clone(),
            Type::list(schema_type(nested.block.as_ref().unwrap())),
        );
    }
    Type::Object(attributes)
}

fn attribute_type(attribute: &pb::schema::Attribute) -> Type {
    match &attribute.nested_type {
        // Only single nesting is used by the fixture.
        Some(object) => Type::Object(
            object
                .attributes
                .iter()
                .map(|a| (a.name.clone(), attribute_type(a)))
                .collect(),
        ),
        None => Type::from_json(&serde_json::from_slice(&attribute.r#type).unwrap()).unwrap(),
    }
}

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: value.to_msgpack(ty).unwrap(),
        json: Vec::new(),
    })
}

fn thing_config(name: Value, extra: &[(&str, Value)]) -> Value {
    let mut config = Value::object([("name", name), ("settings", Value::List(vec![]))]);
    for (key, value) in extra {
        config.set(key, value.clone());
    }
    config
}

async fn configure(provider: &mut Debugged, store: &std::path::Path) {
    let config = Value::object([("store_dir", Value::string(store.display().to_string()))]);
    let ty = Type::object([("store_dir", Type::String)]);
    let response = provider
        .client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dynamic(&config, &ty),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
}

#[tokio::test]
async fn refined_unknowns_pass_through_a_plan_unchanged() {
    let mut provider = start().await;
    // An unknown known not to be null (cty refinement), as Terraform sends
    // for values computed by other resources.
    let refined = Value::Unknown(Some(vec![0x81, 0x01, 0xc3]));
    let config = thing_config(refined.clone(), &[]);
    let mut proposed = config.clone();
    proposed.set("id", Value::Null);
    let response = provider
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "fixture_thing".into(),
            prior_state: dynamic(&Value::Null, &provider.thing),
            proposed_new_state: dynamic(&proposed, &provider.thing),
            config: dynamic(&config, &provider.thing),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let planned =
        Value::from_msgpack(&response.planned_state.unwrap().msgpack, &provider.thing).unwrap();
    assert_eq!(planned.get("name"), &refined);
    assert!(
        planned.get("id").is_unknown(),
        "computed id unknown on create"
    );
    assert!(planned.get("revision").is_unknown());
}

#[tokio::test]
async fn malformed_values_are_reported_at_their_attribute_path() {
    let mut provider = start().await;
    // `size` is a number; send a string that is not one.
    let mut wrong = provider.thing.clone();
    if let Type::Object(attributes) = &mut wrong {
        attributes.insert("size".into(), Type::String);
    }
    let config = thing_config(Value::string("x"), &[("size", Value::string("lots"))]);
    let response = provider
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "fixture_thing".into(),
            config: dynamic(&config, &wrong),
        })
        .await
        .unwrap()
        .into_inner();
    let diagnostic = &response.diagnostics[0];
    assert_eq!(diagnostic.severity, pb::diagnostic::Severity::Error as i32);
    assert!(
        diagnostic.detail.contains("\"lots\" is not a number"),
        "{}",
        diagnostic.detail
    );
    let steps = &diagnostic.attribute.as_ref().unwrap().steps;
    assert_eq!(
        steps[0].selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "size".into()
        ))
    );
}

#[tokio::test]
async fn stop_provider_cancels_an_apply_in_flight() {
    let mut provider = start().await;
    let store = tfplugin::harness::unique_temp_dir("store").unwrap();
    configure(&mut provider, &store).await;
    let mut planned = thing_config(
        Value::string("slow"),
        &[("delay_ms", Value::number(60_000))],
    );
    planned.set("id", Value::unknown());
    planned.set("revision", Value::unknown());
    let mut apply_client = provider.client.clone();
    let ty = provider.thing.clone();
    let started = Instant::now();
    let apply = tokio::spawn(async move {
        apply_client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "fixture_thing".into(),
                prior_state: dynamic(&Value::Null, &ty),
                planned_state: dynamic(&planned, &ty),
                config: dynamic(&planned, &ty),
                ..Default::default()
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    provider
        .client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), apply)
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .into_inner();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "cancelled long before the 60 s delay"
    );
    assert_eq!(response.diagnostics[0].summary, "Cancelled");
    let _ = std::fs::remove_dir_all(store);
}

/// The identity data of a response, decoded.
fn identity_of(data: Option<pb::ResourceIdentityData>) -> Value {
    let ty = Type::object([("id", Type::String)]);
    let value = data.and_then(|d| d.identity_data).expect("identity data");
    Value::from_msgpack(&value.msgpack, &ty).unwrap()
}

#[tokio::test]
async fn identity_is_declared_kept_beside_state_and_imports_by_itself() {
    let mut provider = start().await;
    let store = tfplugin::harness::unique_temp_dir("store").unwrap();
    configure(&mut provider, &store).await;
    let schemas = provider
        .client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    let thing = &schemas.identity_schemas["fixture_thing"];
    assert_eq!(thing.version, 0);
    let attribute = &thing.identity_attributes[0];
    assert_eq!(
        (attribute.name.as_str(), attribute.r#type.as_slice()),
        ("id", b"\"string\"".as_slice())
    );
    assert!(attribute.required_for_import);

    // A create answers its identity; a read answers the same one.
    let mut planned = thing_config(Value::string("a"), &[]);
    planned.set("id", Value::unknown());
    planned.set("revision", Value::unknown());
    let ty = provider.thing.clone();
    let applied = provider
        .client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fixture_thing".into(),
            prior_state: dynamic(&Value::Null, &ty),
            planned_state: dynamic(&planned, &ty),
            config: dynamic(&planned, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let identity = identity_of(applied.new_identity);
    assert_eq!(identity, Value::object([("id", Value::string("thing-a"))]));
    let read = provider
        .client
        .read_resource(pb::read_resource::Request {
            type_name: "fixture_thing".into(),
            current_state: applied.new_state,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(identity_of(read.new_identity), identity);

    // An import by identity alone, with no ID.
    let id_type = Type::object([("id", Type::String)]);
    let by_identity = |value: &Value| pb::import_resource_state::Request {
        type_name: "fixture_thing".into(),
        identity: Some(pb::ResourceIdentityData {
            identity_data: dynamic(value, &id_type),
        }),
        ..Default::default()
    };
    let imported = provider
        .client
        .import_resource_state(by_identity(&identity))
        .await
        .unwrap()
        .into_inner();
    let resource = imported.imported_resources.into_iter().next().unwrap();
    let state = Value::from_msgpack(&resource.state.unwrap().msgpack, &ty).unwrap();
    assert_eq!(state.get("id"), &Value::string("thing-a"));
    assert_eq!(identity_of(resource.identity), identity);
    let refused = provider
        .client
        .import_resource_state(by_identity(&Value::object([("id", Value::Null)])))
        .await
        .unwrap()
        .into_inner();
    assert!(refused.imported_resources.is_empty());
    assert!(
        refused.diagnostics[0].detail.contains("\"id\""),
        "names the attribute: {:?}",
        refused.diagnostics
    );

    // Stored identity of the current version comes back as it was; of
    // another, a clear error.
    let upgrade = |version| pb::upgrade_resource_identity::Request {
        type_name: "fixture_thing".into(),
        version,
        raw_identity: Some(pb::RawState {
            json: br#"{"id":"thing-a"}"#.to_vec(),
            ..Default::default()
        }),
    };
    let same = provider
        .client
        .upgrade_resource_identity(upgrade(0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(identity_of(same.upgraded_identity), identity);
    let newer = provider
        .client
        .upgrade_resource_identity(upgrade(3))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(newer.diagnostics[0].summary, "Unsupported identity version");
    let _ = std::fs::remove_dir_all(store);
}

#[tokio::test]
async fn ephemeral_resources_are_declared_validated_opened_and_never_held() {
    let mut provider = start().await;
    let store = tfplugin::harness::unique_temp_dir("store").unwrap();
    configure(&mut provider, &store).await;
    std::fs::write(store.join("db.secret"), "s3cret").unwrap();
    let metadata = provider
        .client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(metadata.ephemeral_resources[0].type_name, "fixture_secret");
    let schema = provider
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let block = schema.ephemeral_resource_schemas["fixture_secret"]
        .block
        .clone()
        .unwrap();
    let ty = schema_type(&block);
    let value = block.attributes.iter().find(|a| a.name == "value").unwrap();
    assert!(value.sensitive && value.computed);

    let config =
        |name: &str| Value::object([("name", Value::string(name)), ("value", Value::Null)]);
    let validated = provider
        .client
        .validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request {
            type_name: "fixture_secret".into(),
            config: dynamic(&config(""), &ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(validated.diagnostics[0].summary, "Empty name");
    let open = |config: Value| pb::open_ephemeral_resource::Request {
        type_name: "fixture_secret".into(),
        config: dynamic(&config, &ty),
        client_capabilities: None,
    };
    let opened = provider
        .client
        .open_ephemeral_resource(open(config("db")))
        .await
        .unwrap()
        .into_inner();
    assert!(opened.diagnostics.is_empty(), "{:?}", opened.diagnostics);
    let result = Value::from_msgpack(&opened.result.unwrap().msgpack, &ty).unwrap();
    assert_eq!(result.get("value").as_str(), Some("s3cret"));
    assert!(opened.private.is_none(), "nothing is held open");

    // A name not yet known: nothing is read, the result is unknown.
    let pending = provider
        .client
        .open_ephemeral_resource(open(Value::object([
            ("name", Value::unknown()),
            ("value", Value::Null),
        ])))
        .await
        .unwrap()
        .into_inner();
    let result = Value::from_msgpack(&pending.result.unwrap().msgpack, &ty).unwrap();
    assert!(result.is_unknown() && pending.diagnostics.is_empty());

    let missing = provider
        .client
        .open_ephemeral_resource(open(config("nope")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(missing.diagnostics[0].summary, "No such secret");
    assert!(missing.result.is_none());

    let closed = provider
        .client
        .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
            type_name: "fixture_secret".into(),
            private: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(closed.diagnostics.is_empty());
    let renewed = provider
        .client
        .renew_ephemeral_resource(pb::renew_ephemeral_resource::Request {
            type_name: "fixture_nope".into(),
            private: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(renewed.diagnostics[0].detail.contains("fixture_nope"));
    let _ = std::fs::remove_dir_all(store);
}

#[tokio::test]
async fn unsupported_calls_answer_cleanly() {
    let mut provider = start().await;
    let functions = provider
        .client
        .get_functions(pb::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(functions.functions.is_empty() && functions.diagnostics.is_empty());
    let call = provider
        .client
        .call_function(pb::call_function::Request {
            name: "nope".into(),
            arguments: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(call.error.unwrap().text.contains("no functions"));
    let moved = provider
        .client
        .move_resource_state(pb::move_resource_state::Request {
            target_type_name: "fixture_thing".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.diagnostics[0].summary, "Resource move not supported");
    let unknown = provider
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "fixture_nope".into(),
            config: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(unknown.diagnostics[0].detail.contains("fixture_nope"));
    let metadata = provider
        .client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(metadata.server_capabilities.unwrap().plan_destroy);
    assert_eq!(metadata.resources[0].type_name, "fixture_thing");
}

#[test]
fn run_by_hand_it_explains_itself_and_exits_non_zero() {
    let output = Command::new(fixture::provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is a Terraform plugin"), "{stderr}");
    assert!(stderr.contains("--debug"), "{stderr}");
}

/// Starts the fixture as Terraform would (magic cookie, no client
/// certificate) with extra environment, and returns it with the address
/// from its handshake line.
fn start_managed(env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(fixture::provider_binary())
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env_remove("PLUGIN_CLIENT_CERT")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(&fields[..3], &["1", "6", "tcp"], "{line}");
    assert_eq!(fields[4], "grpc");
    (child, fields[3].to_owned())
}

#[test]
fn the_port_range_terraform_offers_is_honoured() {
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let port = free.to_string();
    let (mut child, address) =
        start_managed(&[("PLUGIN_MIN_PORT", &port), ("PLUGIN_MAX_PORT", &port)]);
    assert_eq!(address, format!("127.0.0.1:{port}"));
    let _ = child.kill();
    let _ = child.wait();
    let (mut child, _) = start_managed(&[("PLUGIN_PROTOCOL_VERSIONS", "5,6")]);
    let _ = child.kill();
    let _ = child.wait();
    let output = Command::new(fixture::provider_binary())
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("speaks only 6"));
}

#[tokio::test]
async fn controller_shutdown_ends_the_plugin_cleanly_with_stdio_open() {
    use tfplugin::proto::goplugin;
    let (mut child, address) = start_managed(&[]);
    let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut stdio = goplugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let mut stream = stdio
        .stream_stdio(goplugin::Empty {})
        .await
        .unwrap()
        .into_inner();
    let mut health = tfplugin::proto::health::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tfplugin::proto::health::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        status.into_inner().status,
        tfplugin::proto::health::health_check_response::ServingStatus::Serving as i32
    );
    let mut controller = goplugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(goplugin::Empty {}).await.unwrap();
    // The stdio stream ends instead of holding the shutdown up.
    let ended = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("stdio stream ends at shutdown");
    assert!(matches!(ended, Ok(None) | Err(_)));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "plugin did not exit after Shutdown"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
