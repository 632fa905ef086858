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
  service_name = "backed-up"
  plan         = "startup-4"
}

# Backups and the point-in-time recovery window of a service.
data "aiven_service_backups" "example" {
  project         = var.project
  service_name    = aiven_pg.example.service_name
  wait_for_backup = true
}

output "backup_count" {
  value = length(data.aiven_service_backups.example.backups)
}

output "recovery_window_start" {
  value = data.aiven_service_backups.example.pitr_range_start
}
