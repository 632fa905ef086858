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
  service_name = "pool-pg"
  plan         = "startup-4"
}

resource "aiven_pg_database" "example" {
  project       = aiven_pg.example.project
  service_name  = aiven_pg.example.service_name
  database_name = "orders"
}

resource "aiven_connection_pool" "example" {
  project       = aiven_pg.example.project
  service_name  = aiven_pg.example.service_name
  pool_name     = "orders-pool"
  database_name = aiven_pg_database.example.database_name
  pool_mode     = "transaction"
  pool_size     = 20
}
