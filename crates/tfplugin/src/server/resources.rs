//! The RPCs of managed resources, in the order Terraform calls them:
//! validate, upgrade stored state, read, plan, apply, import (and move,
//! which this server declines).

use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::{plan_from_schema, strip_write_only};
use crate::proto::tfplugin6 as pb;
use crate::resource::{Applied, Change, Plan, Provider};
use crate::value::Value;

use super::convert::{decode, diagnostics_to_proto, encode, path_to_proto, value_error};
use super::identity;
use super::{ProviderService, guarded, respond};

pub(super) async fn validate_resource_config<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_resource_config::Request,
) -> pb::validate_resource_config::Response {
    let ((), diagnostics) = respond(async |diagnostics| {
        let typed = service.resource(&request.type_name)?;
        let config = decode(request.config.as_ref(), &typed.ty, "resource configuration")?;
        let ctx = service.context();
        guarded(typed.implementation.validate(&ctx, &config, diagnostics)).await
    })
    .await;
    pb::validate_resource_config::Response { diagnostics }
}

pub(super) async fn upgrade_resource_state<P: Provider>(
    service: &ProviderService<P>,
    request: pb::upgrade_resource_state::Request,
) -> pb::upgrade_resource_state::Response {
    let raw = request.raw_state.unwrap_or_default();
    let (upgraded_state, diagnostics) = respond(async |_| {
        let typed = service.resource(&request.type_name)?;
        if raw.json.is_empty() {
            let detail = "Only JSON state (Terraform 0.12 and later) can be upgraded; this state uses the legacy flatmap format.";
            return Err(Diagnostic::error("Unsupported state format", detail).into());
        }
        let mut json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|err| {
            Diagnostics::from(Diagnostic::error("Stored state is not valid JSON", err.to_string()))
        })?;
        let current = typed.schema.version;
        if request.version > current {
            let detail = format!(
                "The state was written by a newer provider (schema version {}, this one knows {current}). Upgrade the provider.",
                request.version
            );
            return Err(Diagnostic::error("State from a newer provider", detail).into());
        }
        if request.version < current {
            let upgrade = async { typed.implementation.upgrade_state(request.version, json) };
            json = guarded(upgrade).await?.map_err(Diagnostics::from)?;
        }
        let value = Value::from_json(&json, &typed.ty)
            .map_err(|err| value_error(err, "Stored state does not match the schema"))?;
        encode(&value, &typed.ty, "upgraded state").map(Some)
    })
    .await;
    pb::upgrade_resource_state::Response {
        upgraded_state,
        diagnostics,
    }
}

pub(super) async fn read_resource<P: Provider>(
    service: &ProviderService<P>,
    request: pb::read_resource::Request,
) -> pb::read_resource::Response {
    let ((new_state, new_identity), diagnostics) = respond(async |diagnostics| {
        let typed = service.resource(&request.type_name)?;
        let state = decode(request.current_state.as_ref(), &typed.ty, "current state")?;
        let ctx = service.context();
        let refreshed = guarded(typed.implementation.read(&ctx, &state, diagnostics)).await?;
        // On a failed refresh keep the old state: dropping it would make
        // Terraform forget a resource that may well still exist.
        let new_state = match refreshed {
            Some(mut value) => {
                strip_write_only(&typed.schema.block, &mut value);
                value
            }
            None if diagnostics.has_errors() => state,
            None => Value::Null,
        };
        let new_identity = identity::data_of(typed.identity.as_ref(), &new_state);
        let encoded = encode(&new_state, &typed.ty, "refreshed state")?;
        Ok((Some(encoded), new_identity))
    })
    .await;
    pb::read_resource::Response {
        new_state,
        diagnostics,
        private: request.private,
        deferred: None,
        new_identity,
    }
}

pub(super) async fn plan_resource_change<P: Provider>(
    service: &ProviderService<P>,
    request: pb::plan_resource_change::Request,
) -> pb::plan_resource_change::Response {
    let ((planned_state, requires_replace), diagnostics) = respond(async |diagnostics| {
        let typed = service.resource(&request.type_name)?;
        let prior = decode(request.prior_state.as_ref(), &typed.ty, "prior state")?;
        let proposed_state = request.proposed_new_state.as_ref();
        let proposed = decode(proposed_state, &typed.ty, "proposed state")?;
        let config = decode(request.config.as_ref(), &typed.ty, "configuration")?;
        let mut plan = if proposed.is_null() {
            Plan {
                prior,
                config,
                planned: Value::Null,
                requires_replace: Vec::new(),
            }
        } else {
            let schema_plan = plan_from_schema(&typed.schema.block, &prior, &config, &proposed);
            Plan {
                prior,
                config,
                planned: schema_plan.planned,
                requires_replace: schema_plan.requires_replace,
            }
        };
        let ctx = service.context();
        let modify = typed
            .implementation
            .modify_plan(&ctx, &mut plan, diagnostics);
        guarded(modify).await?;
        let planned_state = encode(&plan.planned, &typed.ty, "plan")?;
        let requires_replace = plan.requires_replace.iter().map(path_to_proto).collect();
        Ok((Some(planned_state), requires_replace))
    })
    .await;
    // Identity attributes force a new object, so an update keeps the
    // identity it had; a create's comes with its apply.
    pb::plan_resource_change::Response {
        planned_state,
        requires_replace,
        planned_private: request.prior_private,
        diagnostics,
        legacy_type_system: false,
        deferred: None,
        planned_identity: request.prior_identity,
    }
}

pub(super) async fn apply_resource_change<P: Provider>(
    service: &ProviderService<P>,
    request: pb::apply_resource_change::Request,
) -> pb::apply_resource_change::Response {
    let ((new_state, new_identity), diagnostics) = respond(async |diagnostics| {
        let typed = service.resource(&request.type_name)?;
        let prior = decode(request.prior_state.as_ref(), &typed.ty, "prior state")?;
        let planned = decode(request.planned_state.as_ref(), &typed.ty, "planned state")?;
        let config = decode(request.config.as_ref(), &typed.ty, "configuration")?;
        let ctx = service.context();
        let implementation = &typed.implementation;
        let new_state = if planned.is_null() {
            guarded(implementation.delete(&ctx, &prior, diagnostics)).await?;
            // A failed delete leaves the object, so it stays in state.
            if diagnostics.has_errors() {
                prior
            } else {
                Value::Null
            }
        } else {
            let change = Change {
                prior,
                planned,
                config,
            };
            let applied: Applied = if change.prior.is_null() {
                guarded(implementation.create(&ctx, &change)).await?
            } else {
                guarded(implementation.update(&ctx, &change)).await?
            };
            diagnostics.extend(applied.diagnostics);
            let mut state = applied.state;
            strip_write_only(&typed.schema.block, &mut state);
            state
        };
        let new_identity = identity::data_of(typed.identity.as_ref(), &new_state);
        let encoded = encode(&new_state, &typed.ty, "new state")?;
        Ok((Some(encoded), new_identity))
    })
    .await;
    pb::apply_resource_change::Response {
        new_state,
        private: request.planned_private,
        diagnostics,
        legacy_type_system: false,
        new_identity,
    }
}

pub(super) async fn import_resource_state<P: Provider>(
    service: &ProviderService<P>,
    request: pb::import_resource_state::Request,
) -> pb::import_resource_state::Response {
    let (imported_resources, diagnostics) = respond(async |diagnostics| {
        let typed = service.resource(&request.type_name)?;
        let ctx = service.context();
        // An import by identity (`import { identity = {...} }`) sends the
        // identity and no ID: the ID is the one its values make.
        let id = match &request.identity {
            Some(data) if request.id.is_empty() => {
                identity::import_id(typed.identity.as_ref(), &request.type_name, data)?
            }
            _ => request.id.clone(),
        };
        let import = typed.implementation.import(&ctx, &id, diagnostics);
        let Some(state) = guarded(import).await? else {
            return Ok(Vec::new());
        };
        Ok(vec![pb::import_resource_state::ImportedResource {
            type_name: request.type_name.clone(),
            state: Some(encode(&state, &typed.ty, "imported state")?),
            private: Vec::new(),
            identity: identity::data_of(typed.identity.as_ref(), &state),
        }])
    })
    .await;
    pb::import_resource_state::Response {
        imported_resources,
        diagnostics,
        deferred: None,
    }
}

pub(super) fn move_resource_state(
    request: pb::move_resource_state::Request,
) -> pb::move_resource_state::Response {
    let detail = format!(
        "Moving state from {} ({}) into {} is not supported by this provider.",
        request.source_type_name, request.source_provider_address, request.target_type_name
    );
    let diagnostics = Diagnostic::error("Resource move not supported", detail).into();
    pb::move_resource_state::Response {
        target_state: None,
        diagnostics: diagnostics_to_proto(diagnostics),
        target_private: Vec::new(),
        target_identity: None,
    }
}
