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
  service_name = "component-pg"
  plan         = "startup-4"
}

# The service's primary PostgreSQL endpoint.
data "aiven_service_component" "pg" {
  project      = aiven_pg.example.project
  service_name = aiven_pg.example.service_name
  component    = "pg"
  route        = "dynamic"
}

output "endpoint" {
  value = "${data.aiven_service_component.pg.host}:${data.aiven_service_component.pg.port}"
}
