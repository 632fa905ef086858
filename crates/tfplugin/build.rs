//! Compiles the plugin protocol with a pure-Rust parser so no system
//! `protoc` is needed to build the provider.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = "../../proto";
    let files = ["tfplugin6.proto", "goplugin.proto", "health.proto"];
    for file in files {
        println!("cargo:rerun-if-changed={proto_dir}/{file}");
    }
    let descriptors = protox::compile(files, [proto_dir])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
