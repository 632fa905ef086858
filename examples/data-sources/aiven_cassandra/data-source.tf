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

resource "aiven_cassandra" "example" {
  project      = var.project
  service_name = "lookup-cassandra"
  plan         = "startup-8"
}

# Reads an existing Cassandra service by project and name.
data "aiven_cassandra" "example" {
  project      = var.project
  service_name = aiven_cassandra.example.service_name
}

output "state" {
  value = data.aiven_cassandra.example.state
}

output "host" {
  value = data.aiven_cassandra.example.service_host
}
