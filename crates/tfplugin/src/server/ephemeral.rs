//! The RPCs of ephemeral resources: validating their configuration and
//! opening them. Nothing this layer opens is held afterwards, so renewing
//! and closing have nothing to do and answer with no diagnostics.

use crate::proto::tfplugin6 as pb;
use crate::resource::Provider;
use crate::value::Value;

use super::convert::{decode, diagnostics_to_proto, encode};
use super::{ProviderService, guarded, respond};

const WHAT: &str = "ephemeral resource configuration";

pub(super) async fn validate_ephemeral_resource_config<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_ephemeral_resource_config::Request,
) -> pb::validate_ephemeral_resource_config::Response {
    let ((), diagnostics) = respond(async |diagnostics| {
        let typed = service.ephemeral_resource(&request.type_name)?;
        let config = decode(request.config.as_ref(), &typed.ty, WHAT)?;
        let ctx = service.context();
        guarded(typed.implementation.validate(&ctx, &config, diagnostics)).await
    })
    .await;
    pb::validate_ephemeral_resource_config::Response { diagnostics }
}

pub(super) async fn open_ephemeral_resource<P: Provider>(
    service: &ProviderService<P>,
    request: pb::open_ephemeral_resource::Request,
) -> pb::open_ephemeral_resource::Response {
    let (result, diagnostics) = respond(async |diagnostics| {
        let typed = service.ephemeral_resource(&request.type_name)?;
        let config = decode(request.config.as_ref(), &typed.ty, WHAT)?;
        // Terraform opens only wholly known configurations; should one
        // come partly unknown, what it would read is unknown too.
        let result = if config.is_wholly_known() {
            let ctx = service.context();
            guarded(typed.implementation.open(&ctx, &config, diagnostics)).await?
        } else {
            Value::unknown()
        };
        if diagnostics.has_errors() {
            return Ok(None);
        }
        encode(&result, &typed.ty, "ephemeral resource result").map(Some)
    })
    .await;
    pb::open_ephemeral_resource::Response {
        diagnostics,
        result,
        private: None,
        deferred: None,
    }
}

pub(super) fn renew_ephemeral_resource<P: Provider>(
    service: &ProviderService<P>,
    request: pb::renew_ephemeral_resource::Request,
) -> pb::renew_ephemeral_resource::Response {
    let diagnostics = match service.ephemeral_resource(&request.type_name) {
        Ok(_) => Vec::new(),
        Err(errors) => diagnostics_to_proto(errors),
    };
    pb::renew_ephemeral_resource::Response {
        diagnostics,
        private: None,
    }
}

pub(super) fn close_ephemeral_resource<P: Provider>(
    service: &ProviderService<P>,
    request: pb::close_ephemeral_resource::Request,
) -> pb::close_ephemeral_resource::Response {
    let diagnostics = match service.ephemeral_resource(&request.type_name) {
        Ok(_) => Vec::new(),
        Err(errors) => diagnostics_to_proto(errors),
    };
    pb::close_ephemeral_resource::Response { diagnostics }
}
