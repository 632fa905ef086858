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

resource "aiven_pg" "primary" {
  project      = var.project
  service_name = "lookup-primary"
  plan         = "startup-4"
}

resource "aiven_pg" "replica" {
  project      = var.project
  service_name = "lookup-replica"
  plan         = "startup-4"

  service_integrations {
    integration_type    = "read_replica"
    source_service_name = aiven_pg.primary.service_name
  }
}

# Finds the integration by its type and the two services it joins.
data "aiven_service_integration" "replica" {
  project                  = var.project
  integration_type         = "read_replica"
  source_service_name      = aiven_pg.primary.service_name
  destination_service_name = aiven_pg.replica.service_name
}

output "integration_id" {
  value = data.aiven_service_integration.replica.integration_id
}
