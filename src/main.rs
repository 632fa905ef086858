//! terraform-provider-aiven: started by Terraform, never by hand (except
//! with `--debug`).

mod client;
mod ephemeral;
mod objects;
mod provider;
mod service;

use std::process::ExitCode;

fn main() -> ExitCode {
    tfplugin::host::serve(
        provider::AivenProvider,
        provider::ADDRESS,
        "terraform-provider-aiven",
    )
}
