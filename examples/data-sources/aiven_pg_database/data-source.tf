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
  service_name = "db-pg"
  plan         = "startup-4"
}

resource "aiven_pg_database" "example" {
  project       = aiven_pg.example.project
  service_name  = aiven_pg.example.service_name
  database_name = "orders"
}

# Reads a database by project, service and name.
data "aiven_pg_database" "example" {
  project       = aiven_pg_database.example.project
  service_name  = aiven_pg_database.example.service_name
  database_name = aiven_pg_database.example.database_name
}

output "database" {
  value = data.aiven_pg_database.example.id
}
