//! The RPCs of resource identity (protocol 6.9): the identity schemas of
//! every resource type, identity stored by an older version brought up to
//! date, and the identity data every response that carries a state
//! carries beside it. What an identity is lives in [`crate::identity`].

use crate::diag::{Diagnostic, Diagnostics};
use crate::identity::Identity;
use crate::proto::tfplugin6 as pb;
use crate::value::Value;

use super::convert::{decode, encode, value_error};
use super::{ProviderService, respond};
use crate::resource::Provider;

fn schema_to_proto(identity: &Identity) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: identity.version,
        identity_attributes: identity
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.to_owned(),
                r#type: b"\"string\"".to_vec(),
                required_for_import: true,
                optional_for_import: false,
                description: a.description.to_owned(),
            })
            .collect(),
    }
}

pub(super) fn get_resource_identity_schemas<P: Provider>(
    service: &ProviderService<P>,
) -> pb::get_resource_identity_schemas::Response {
    let identity_schemas = service
        .resources
        .iter()
        .filter_map(|(name, typed)| {
            Some((name.to_string(), schema_to_proto(typed.identity.as_ref()?)))
        })
        .collect();
    pb::get_resource_identity_schemas::Response {
        identity_schemas,
        diagnostics: Vec::new(),
    }
}

pub(super) async fn upgrade_resource_identity<P: Provider>(
    service: &ProviderService<P>,
    request: pb::upgrade_resource_identity::Request,
) -> pb::upgrade_resource_identity::Response {
    let (upgraded_identity, diagnostics) = respond(async |_| {
        let identity = identity_of(service, &request.type_name)?;
        if request.version != identity.version {
            let detail = format!(
                "The identity of this {} was stored with identity version {}; this provider knows version {} only.",
                request.type_name, request.version, identity.version
            );
            return Err(Diagnostic::error("Unsupported identity version", detail).into());
        }
        let raw = request.raw_identity.unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|err| {
            Diagnostics::from(Diagnostic::error("Stored identity is not valid JSON", err.to_string()))
        })?;
        let ty = identity.value_type();
        let value = Value::from_json(&json, &ty)
            .map_err(|err| value_error(err, "Stored identity does not match the identity schema"))?;
        Ok(Some(pb::ResourceIdentityData {
            identity_data: Some(encode(&value, &ty, "identity")?),
        }))
    })
    .await;
    pb::upgrade_resource_identity::Response {
        upgraded_identity,
        diagnostics,
    }
}

fn identity_of<'a, P: Provider>(
    service: &'a ProviderService<P>,
    type_name: &str,
) -> Result<&'a Identity, Diagnostics> {
    let typed = service.resource(type_name)?;
    typed.identity.as_ref().ok_or_else(|| {
        let detail = format!("Resource type {type_name} has no identity.");
        Diagnostic::error("No resource identity", detail).into()
    })
}

/// The identity data of `state` for a type with `identity`: none for a
/// type without one, a state that is gone or one whose identity is not
/// known yet.
pub(super) fn data_of(
    identity: Option<&Identity>,
    state: &Value,
) -> Option<pb::ResourceIdentityData> {
    let identity = identity?;
    let value = identity.of_state(state)?;
    let encoded = encode(&value, &identity.value_type(), "identity").ok()?;
    Some(pb::ResourceIdentityData {
        identity_data: Some(encoded),
    })
}

/// The import ID an import by identity stands for.
pub(super) fn import_id(
    identity: Option<&Identity>,
    type_name: &str,
    data: &pb::ResourceIdentityData,
) -> Result<String, Diagnostics> {
    let Some(identity) = identity else {
        let detail = format!("Resource type {type_name} has no identity: import it by its ID.");
        return Err(Diagnostic::error("Import by identity not supported", detail).into());
    };
    let value = decode(
        data.identity_data.as_ref(),
        &identity.value_type(),
        "identity",
    )?;
    identity
        .import_id(&value)
        .map_err(|err| Diagnostic::error("Invalid import identity", err.to_string()).into())
}
