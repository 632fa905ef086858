//! The RPCs about the provider block itself: validating and configuring it.

use std::sync::Arc;

use crate::proto::tfplugin6 as pb;
use crate::resource::Provider;

use super::convert::decode;
use super::{ProviderService, guarded, respond};

pub(super) async fn validate_provider_config<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_provider_config::Request,
) -> pb::validate_provider_config::Response {
    let ((), diagnostics) = respond(async |diagnostics| {
        let config = decode(
            request.config.as_ref(),
            &service.provider_type,
            "provider configuration",
        )?;
        guarded(service.provider.validate(&config, diagnostics)).await
    })
    .await;
    pb::validate_provider_config::Response { diagnostics }
}

pub(super) async fn configure_provider<P: Provider>(
    service: &ProviderService<P>,
    request: pb::configure_provider::Request,
) -> pb::configure_provider::Response {
    let (data, diagnostics) = respond(async |diagnostics| {
        let config = decode(
            request.config.as_ref(),
            &service.provider_type,
            "provider configuration",
        )?;
        let configure =
            service
                .provider
                .configure(&config, &request.terraform_version, diagnostics);
        guarded(configure).await
    })
    .await;
    if let Some(data) = data
        && let Ok(mut slot) = service.data.write()
    {
        *slot = Some(Arc::new(data));
    }
    pb::configure_provider::Response { diagnostics }
}
