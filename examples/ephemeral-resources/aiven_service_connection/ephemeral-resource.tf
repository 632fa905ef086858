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
  service_name = "connection-pg"
  plan         = "startup-4"
}

# Read for this run only: neither plan nor state keeps these values.
# Named by the service's id, which is unknown until the service is made,
# so Terraform reads it at apply once the service exists; a service that
# is already there can be named by project and service_name instead.
# Another provider's block takes the values as they are, e.g.
#   provider "postgresql" {
#     host     = ephemeral.aiven_service_connection.db.host
#     port     = ephemeral.aiven_service_connection.db.port
#     username = ephemeral.aiven_service_connection.db.username
#     password = ephemeral.aiven_service_connection.db.password
#   }
ephemeral "aiven_service_connection" "db" {
  id = aiven_pg.example.id
}

# A write-only argument takes them too: this user gets the primary
# user's password, and state holds neither.
resource "aiven_pg_user" "reporting" {
  project             = aiven_pg.example.project
  service_name        = aiven_pg.example.service_name
  username            = "reporting"
  password_wo         = ephemeral.aiven_service_connection.db.password
  password_wo_version = 1
}
