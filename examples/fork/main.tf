# A source database and three forks of it: from its latest backup (what
# the API gives a fork that names no point), to its latest transaction, and
# to a point in time chosen from the source's real backups.
terraform {
  required_providers {
    aiven = {
      source = "aiven-rs/aiven"
    }
  }
}

# Credentials and endpoint come from AIVEN_TOKEN and AIVEN_WEB_URL, so the
# same configuration runs against aiven-local or the hosted API.
provider "aiven" {}

variable "project" {
  description = "Project to create the services in."
  type        = string
  default     = "fork-demo"
}

variable "recovery_target_time" {
  description = "Point in time for the point-in-time fork (RFC 3339 or YYYY-MM-DD HH:MM:SS UTC). Defaults to the source's latest backup."
  type        = string
  default     = null
}

resource "aiven_pg" "source" {
  project      = var.project
  service_name = "orders"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"

  pg_user_config {
    pg_version = "15"
  }
}

# The source's backups and its point-in-time recovery window.
data "aiven_service_backups" "source" {
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
  # The source is new: wait for its first backup before reading.
  wait_for_backup = true
}

# The source's latest backup, and nothing committed after it: a fork that
# names no point, as the API (and the official provider) makes it. The
# plan names the backup and says what it leaves out.
resource "aiven_pg" "backup" {
  project      = var.project
  service_name = "orders-backup"
  plan         = "startup-4"

  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }
}

# A complete copy as of the source's latest committed transaction, in
# another cloud.
resource "aiven_pg" "latest" {
  project      = var.project
  service_name = "orders-latest"
  plan         = "startup-4"
  cloud_name   = "aws-eu-central-1"
  fork_point   = "latest_transaction"

  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }
}

# A copy holding exactly the transactions committed at or before
# recovery_target_time, on a bigger plan.
resource "aiven_pg" "point_in_time" {
  project      = var.project
  service_name = "orders-pitr"
  plan         = "business-4"

  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
    recovery_target_time = coalesce(var.recovery_target_time, data.aiven_service_backups.source.latest_backup_time)
  }

  # The instant is chosen once, when the fork is created. Without this, a
  # newer backup would move latest_backup_time and replace the fork.
  lifecycle {
    ignore_changes = [pg_user_config[0].recovery_target_time]
  }
}

output "source_uri" {
  value     = aiven_pg.source.service_uri
  sensitive = true
}

output "backup_uri" {
  value     = aiven_pg.backup.service_uri
  sensitive = true
}

# What each fork was restored to: the backup's name and time, or the
# instant the latest transaction resolved to.
output "backup_restored_to" {
  value = aiven_pg.backup.fork_restored_to
}

output "latest_restored_to" {
  value = aiven_pg.latest.fork_restored_to
}

output "latest_uri" {
  value     = aiven_pg.latest.service_uri
  sensitive = true
}

output "point_in_time_uri" {
  value     = aiven_pg.point_in_time.service_uri
  sensitive = true
}

# The window ends at "now", so only its start is a stable output.
output "recovery_window_start" {
  value = data.aiven_service_backups.source.pitr_range_start
}
