//! Generated gRPC code for the protocols in `proto/` at the workspace root.

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod goplugin {
    tonic::include_proto!("plugin");
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod health {
    tonic::include_proto!("grpc.health.v1");
}
