//! The RPCs that describe the provider rather than act on a resource:
//! metadata, schemas (resources, data sources and ephemeral resources),
//! functions (none) and the stop signal.

use crate::proto::tfplugin6 as pb;
use crate::resource::Provider;

use super::ProviderService;
use super::convert::{capabilities, schema_to_proto};

pub(super) fn get_metadata<P: Provider>(
    service: &ProviderService<P>,
) -> pb::get_metadata::Response {
    let mut resources: Vec<_> = service.resources.keys().collect();
    resources.sort();
    let mut data_sources: Vec<_> = service.data_sources.keys().collect();
    data_sources.sort();
    let mut ephemeral_resources: Vec<_> = service.ephemeral_resources.keys().collect();
    ephemeral_resources.sort();
    pb::get_metadata::Response {
        server_capabilities: Some(capabilities()),
        resources: resources
            .into_iter()
            .map(|name| pb::get_metadata::ResourceMetadata {
                type_name: (*name).to_owned(),
            })
            .collect(),
        data_sources: data_sources
            .into_iter()
            .map(|name| pb::get_metadata::DataSourceMetadata {
                type_name: (*name).to_owned(),
            })
            .collect(),
        ephemeral_resources: ephemeral_resources
            .into_iter()
            .map(|name| pb::get_metadata::EphemeralMetadata {
                type_name: (*name).to_owned(),
            })
            .collect(),
        ..Default::default()
    }
}

pub(super) fn get_provider_schema<P: Provider>(
    service: &ProviderService<P>,
) -> pb::get_provider_schema::Response {
    pb::get_provider_schema::Response {
        provider: Some(schema_to_proto(&service.provider_schema)),
        resource_schemas: service
            .resources
            .iter()
            .map(|(name, typed)| ((*name).to_owned(), schema_to_proto(&typed.schema)))
            .collect(),
        data_source_schemas: service
            .data_sources
            .iter()
            .map(|(name, typed)| ((*name).to_owned(), schema_to_proto(&typed.schema)))
            .collect(),
        ephemeral_resource_schemas: service
            .ephemeral_resources
            .iter()
            .map(|(name, typed)| ((*name).to_owned(), schema_to_proto(&typed.schema)))
            .collect(),
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

pub(super) fn call_function(request: pb::call_function::Request) -> pb::call_function::Response {
    let name = request.name;
    pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text: format!("This provider defines no functions, so {name:?} cannot be called."),
            function_argument: None,
        }),
    }
}

pub(super) fn stop_provider<P: Provider>(
    service: &ProviderService<P>,
) -> pb::stop_provider::Response {
    tracing::info!("stop requested: cancelling work in flight");
    service.stop.cancel();
    pb::stop_provider::Response {
        error: String::new(),
    }
}
