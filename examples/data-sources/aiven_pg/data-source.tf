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

resource "aiven_pg" "example" {
  project      = var.project
  service_name = "lookup-pg"
  plan         = "startup-4"
}

# Reads an existing PostgreSQL service by project and name.
data "aiven_pg" "example" {
  project      = var.project
  service_name = aiven_pg.example.service_name
}

output "state" {
  value = data.aiven_pg.example.state
}

output "host" {
  value = data.aiven_pg.example.service_host
}
