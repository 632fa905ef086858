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

resource "aiven_pg" "small" {
  project      = var.project
  service_name = "analytics"
  plan         = "startup-4"
}

# Try a bigger plan with more disk on a copy before touching the original.
resource "aiven_pg" "bigger" {
  project               = var.project
  service_name          = "analytics-business"
  plan                  = "business-8"
  additional_disk_space = "60GiB"

  pg_user_config {
    service_to_fork_from = aiven_pg.small.service_name
  }
}
