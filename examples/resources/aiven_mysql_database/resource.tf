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

resource "aiven_mysql" "example" {
  project      = var.project
  service_name = "db-mysql"
  plan         = "startup-4"
}

resource "aiven_mysql_database" "example" {
  project       = aiven_mysql.example.project
  service_name  = aiven_mysql.example.service_name
  database_name = "orders"
}
