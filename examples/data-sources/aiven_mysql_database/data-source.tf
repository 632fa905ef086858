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

# Reads a database by project, service and name.
data "aiven_mysql_database" "example" {
  project       = aiven_mysql_database.example.project
  service_name  = aiven_mysql_database.example.service_name
  database_name = aiven_mysql_database.example.database_name
}

output "database" {
  value = data.aiven_mysql_database.example.id
}
