//! `aiven_service_user_credentials`: one service user's password, and the
//! service's URI as that user, for one run.

use aiven_api::types::{REDACTED, secret};
use aiven_api::userinfo;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::resource::{Context, EphemeralResource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::{Key, SERVICE_PARTS, at, string_or_null, text, withheld};
use crate::client::Client;
use crate::objects::SERVICE_NAME;
use crate::objects::user::USERNAME;
use crate::service::data_source::read_named;

const KEY: Key = Key {
    parts: &[
        SERVICE_PARTS[0],
        SERVICE_PARTS[1],
        (USERNAME, "The user's name."),
    ],
    id_of: "a user resource (`aiven_pg_user.app.id`)",
};

pub struct CredentialsEphemeral;

#[tfplugin::async_trait]
impl EphemeralResource<Client> for CredentialsEphemeral {
    fn type_name(&self) -> &'static str {
        "aiven_service_user_credentials"
    }

    fn schema(&self) -> Schema {
        let block = KEY.block(
            "A service user's password, and the service's URI as that user, read when Terraform needs them and never stored in plan or state. For users whose password this configuration's state does not hold: the primary user, a fork's copied users, users made elsewhere.",
        );
        Schema::new(
            block
                .attribute(text("password", "The user's password.").sensitive())
                .attribute(text("type", "`primary` or `normal`."))
                .attribute(
                    text(
                        "uri",
                        "The service's URI with this user's credentials in place of the primary user's.",
                    )
                    .sensitive(),
                ),
        )
    }

    async fn validate(&self, _ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) {
        KEY.validate(config, diags);
    }

    async fn open(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some((client, names)) = KEY.open(ctx, config, diags) else {
            return Value::Null;
        };
        let [project, service_name, username] = [&names[0], &names[1], &names[2]];
        let at_service = at(config, SERVICE_NAME);
        let named = (project.as_str(), service_name.as_str());
        let Some(service) = read_named(client, ctx, named, at_service, diags).await else {
            return Value::Null;
        };
        let user = match client
            .get_user(project, service_name, username, &ctx.cancel)
            .await
        {
            Ok(user) => user,
            Err(err) => {
                let detail = if err.is_not_found() {
                    format!("Service {service_name:?} has no user {username:?}.")
                } else {
                    format!("The Aiven API answered: {err}")
                };
                diags.push(
                    Diagnostic::error("Cannot read the user", detail)
                        .at(AttributePath::attr(at(config, USERNAME))),
                );
                return Value::Null;
            }
        };
        // The user's own reply may leave the password out (the contract
        // has it optional); the service's user list, read with secrets,
        // is the other place the API shows it.
        let listed = service
            .users
            .iter()
            .flatten()
            .find(|u| u.username == *username)
            .and_then(|u| secret(u.password.as_deref()));
        let Some(password) = secret(user.password.as_deref()).or(listed) else {
            let what = if user.password.as_deref() == Some(REDACTED) {
                format!("the password of user {username:?}")
            } else {
                format!("a password for user {username:?} (it shows none for this user)")
            };
            withheld(diags, "password", &what);
            return Value::Null;
        };
        let uri =
            secret(service.service_uri.as_deref()).and_then(|uri| as_user(uri, username, password));
        let mut result = KEY.result(config, &names);
        result.set("password", Value::string(password));
        result.set("type", Value::string(&user.kind));
        result.set("uri", string_or_null(uri.as_deref()));
        result
    }
}

/// `uri` with `user` and `password` (percent-encoded) as its credentials;
/// `None` for a URI that carries none to replace.
fn as_user(uri: &str, user: &str, password: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some(format!(
        "{scheme}://{}:{}@{}",
        userinfo::encode(user),
        userinfo::encode(password),
        &rest[at + 1..]
    ))
}

#[cfg(test)]
mod tests {
    use super::as_user;

    #[test]
    fn a_uri_as_another_user_keeps_everything_but_the_credentials() {
        assert_eq!(
            as_user(
                "postgres://avnadmin:a%40b@h:5432/defaultdb?sslmode=require",
                "app",
                "p@ss:/w"
            )
            .as_deref(),
            Some("postgres://app:p%40ss%3A%2Fw@h:5432/defaultdb?sslmode=require")
        );
        assert_eq!(
            as_user("https://h:443/x@y", "app", "pw"),
            None,
            "an @ after the host is not a credential"
        );
    }
}
