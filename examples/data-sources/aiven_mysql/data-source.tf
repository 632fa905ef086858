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
  service_name = "lookup-mysql"
  plan         = "startup-4"
}

# Reads an existing MySQL service by project and name.
data "aiven_mysql" "example" {
  project      = var.project
  service_name = aiven_mysql.example.service_name
}

output "state" {
  value = data.aiven_mysql.example.state
}

output "host" {
  value = data.aiven_mysql.example.service_host
}
