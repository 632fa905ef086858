terraform {
  required_providers {
    aiven = {
      source = "aiven-rs/aiven"
    }
  }
}

# Endpoint and token come from AIVEN_WEB_URL and AIVEN_TOKEN.
provider "aiven" {}

variable "project" {
  type    = string
  default = "examples"
}

resource "aiven_valkey" "example" {
  project      = var.project
  service_name = "lookup-valkey"
  plan         = "startup-4"
}

# Reads an existing Valkey (Caching) service by project and name.
data "aiven_valkey" "example" {
  project      = var.project
  service_name = aiven_valkey.example.service_name
}

output "state" {
  value = data.aiven_valkey.example.state
}

output "host" {
  value = data.aiven_valkey.example.service_host
}
