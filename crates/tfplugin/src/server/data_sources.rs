//! The RPCs of data sources: validating their configuration and reading.

use crate::proto::tfplugin6 as pb;
use crate::resource::Provider;

use super::convert::{decode, encode};
use super::{ProviderService, guarded, respond};

pub(super) async fn validate_data_resource_config<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    let ((), diagnostics) = respond(async |diagnostics| {
        let typed = service.data_source(&request.type_name)?;
        let what = "data source configuration";
        let config = decode(request.config.as_ref(), &typed.ty, what)?;
        let ctx = service.context();
        guarded(typed.implementation.validate(&ctx, &config, diagnostics)).await
    })
    .await;
    pb::validate_data_resource_config::Response { diagnostics }
}

pub(super) async fn read_data_source<P: Provider>(
    service: &ProviderService<P>,
    request: pb::read_data_source::Request,
) -> pb::read_data_source::Response {
    let (state, diagnostics) = respond(async |diagnostics| {
        let typed = service.data_source(&request.type_name)?;
        let what = "data source configuration";
        let config = decode(request.config.as_ref(), &typed.ty, what)?;
        let ctx = service.context();
        let state = guarded(typed.implementation.read(&ctx, &config, diagnostics)).await?;
        if diagnostics.has_errors() {
            return Ok(None);
        }
        encode(&state, &typed.ty, "data source result").map(Some)
    })
    .await;
    pb::read_data_source::Response {
        state,
        diagnostics,
        deferred: None,
    }
}
