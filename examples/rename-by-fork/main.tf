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

# Service names cannot change in place (changing service_name replaces the
# service, and its data with it). To rename, fork under the new name to
# the latest transaction, move clients to it, then remove old_name and
# new_name's fork_point and pg_user_config block: the old service is
# deleted and the fork stays.

resource "aiven_pg" "old_name" {
  project      = var.project
  service_name = "legacy-db"
  plan         = "startup-4"
}

resource "aiven_pg" "new_name" {
  project      = var.project
  service_name = "customers-db"
  plan         = "startup-4"
  # Everything committed before the fork, not only the latest backup.
  fork_point = "latest_transaction"

  pg_user_config {
    service_to_fork_from = aiven_pg.old_name.service_name
  }
}
