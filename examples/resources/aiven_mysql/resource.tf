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

# An Aiven for MySQL service.
resource "aiven_mysql" "example" {
  project      = var.project
  service_name = "example-mysql"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  mysql_user_config {
    mysql_version = "8"
  }

  tag {
    key   = "team"
    value = "data"
  }
}

# A fork: an independent copy restored from the service's backups. Without
# fork_point it holds the latest backup; "latest_transaction" or a time
# (like recovery_target_time) replays the binary log to that point.
resource "aiven_mysql" "fork" {
  project      = var.project
  service_name = "example-mysql-fork"
  plan         = "startup-4"
  fork_point   = "latest_transaction"

  mysql_user_config {
    service_to_fork_from = aiven_mysql.example.service_name
  }
}
