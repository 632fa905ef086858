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
  service_name = "users-pg-lookup"
  plan         = "startup-4"
}

# Reads a user, the service's own included, with its password.
data "aiven_pg_user" "admin" {
  project      = aiven_pg.example.project
  service_name = aiven_pg.example.service_name
  username     = "avnadmin"
}

output "type" {
  value = data.aiven_pg_user.admin.type
}
