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
  service_name = "integration-primary"
  plan         = "startup-4"
}

# A read replica: made from the primary's newest backup, then following
# every change the primary commits. It takes reads only.
resource "aiven_pg" "replica" {
  project      = var.project
  service_name = "integration-replica"
  plan         = "startup-4"

  service_integrations {
    integration_type    = "read_replica"
    source_service_name = aiven_pg.primary.service_name
  }
}

# The replica's integration, which its create made, adopted here.
# Removing this resource promotes the replica: it takes writes of its
# own and stops following the primary.
resource "aiven_service_integration" "replica" {
  project                  = var.project
  integration_type         = "read_replica"
  source_service_name      = aiven_pg.primary.service_name
  destination_service_name = aiven_pg.replica.service_name
}
