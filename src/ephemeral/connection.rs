//! `aiven_service_connection`: how to reach a service as its primary user
//! (URI, host, port, user name and password), for one run.

use aiven_api::types::{REDACTED, secret};
use tfplugin::diag::Diagnostics;
use tfplugin::resource::{Context, EphemeralResource};
use tfplugin::schema::{Attribute, Schema};
use tfplugin::value::{Type, Value};

use super::{Key, SERVICE_PARTS, at, string_or_null, text, withheld};
use crate::client::Client;
use crate::objects::SERVICE_NAME;
use crate::service::data_source::read_named;
use crate::service::state::Connection;

const KEY: Key = Key {
    parts: &SERVICE_PARTS,
    id_of: "a service resource (`aiven_pg.db.id`)",
};

pub struct ConnectionEphemeral;

#[tfplugin::async_trait]
impl EphemeralResource<Client> for ConnectionEphemeral {
    fn type_name(&self) -> &'static str {
        "aiven_service_connection"
    }

    fn schema(&self) -> Schema {
        let block = KEY.block(
            "A service's connection details as its primary user, read when Terraform needs them and never stored in plan or state. Pass them to another provider's block or to a write-only argument.",
        );
        Schema::new(
            block
                .attribute(text("uri", "URI to connect with, credentials included.").sensitive())
                .attribute(text("host", "Host name to connect to."))
                .attribute(
                    Attribute::new("port", Type::Number)
                        .computed()
                        .description("Port to connect to."),
                )
                .attribute(text("username", "The primary user's name."))
                .attribute(text("password", "The primary user's password.").sensitive())
                .attribute(text(
                    "dbname",
                    "Database the URI names (pg, mysql); null for other types.",
                ))
                .attribute(text(
                    "sslmode",
                    "TLS mode the URI asks for, where it asks for one.",
                )),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        KEY.validate(config, diags);
    }

    async fn open(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some((client, names)) = KEY.open(ctx, config, diags) else {
            return Value::Null;
        };
        let named = (names[0].as_str(), names[1].as_str());
        let at = at(config, SERVICE_NAME);
        let Some(service) = read_named(client, ctx, named, at, diags).await else {
            return Value::Null;
        };
        let redacted_param = service
            .service_uri_params
            .as_ref()
            .and_then(|params| params.get("password"))
            .and_then(|password| password.as_str())
            == Some(REDACTED);
        if redacted_param || service.service_uri.as_deref() == Some(REDACTED) {
            withheld(diags, "password", "the service's password");
            return Value::Null;
        }
        let uri = secret(service.service_uri.as_deref());
        let connection = Connection::of(&service);
        let mut result = KEY.result(config, &names);
        result.set("uri", string_or_null(uri));
        result.set("host", string_or_null(connection.host.as_deref()));
        result.set("port", connection.port.map_or(Value::Null, Value::number));
        result.set("username", string_or_null(connection.user.as_deref()));
        result.set("password", string_or_null(connection.password.as_deref()));
        result.set("dbname", string_or_null(connection.dbname.as_deref()));
        result.set("sslmode", string_or_null(connection.sslmode.as_deref()));
        result
    }
}
