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

# An Aiven for Cassandra service (the hosted platform retired Cassandra
# in 2026). On aiven-local it runs one Cassandra 5.0 node, CQL over TLS on
# the service's port; version 4 is recorded, and a
# cassandra_version_not_run notification says which version runs.
resource "aiven_cassandra" "example" {
  project      = var.project
  service_name = "example-cassandra"
  plan         = "startup-8"
  cloud_name   = "google-europe-west1"

  cassandra_user_config {
    cassandra_version = "4"
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# Cassandra cannot be forked to a plan with fewer nodes than the source.
# A fork: an independent copy restored from the service's backups.
resource "aiven_cassandra" "fork" {
  project      = var.project
  service_name = "example-cassandra-fork"
  plan         = "startup-8"

  cassandra_user_config {
    service_to_fork_from = aiven_cassandra.example.service_name
  }
}
