# A source with a database, two users and a pool, and a fork of it that
# holds copies of all of them, read here with data sources.
terraform {
  required_providers {
    aiven = {
      source = "aiven-rs/aiven"
    }
  }
}

# Credentials and endpoint come from AIVEN_TOKEN and AIVEN_WEB_URL.
provider "aiven" {}

variable "project" {
  description = "Project to create the services in."
  type        = string
  default     = "fork-objects"
}

variable "app_password" {
  description = "The app user's password (8 to 256 letters, digits, - or _)."
  type        = string
  sensitive   = true
  default     = "app-password-change-me"
}

resource "aiven_pg" "source" {
  project      = var.project
  service_name = "shop"
  plan         = "startup-4"
}

resource "aiven_pg_database" "app" {
  project       = aiven_pg.source.project
  service_name  = aiven_pg.source.service_name
  database_name = "app"
}

resource "aiven_pg_user" "app" {
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
  username     = "app"
  password     = var.app_password
}

resource "aiven_pg_user" "reporting" {
  project      = aiven_pg.source.project
  service_name = aiven_pg.source.service_name
  username     = "reporting"
}

resource "aiven_connection_pool" "app" {
  project       = aiven_pg.source.project
  service_name  = aiven_pg.source.service_name
  pool_name     = "app-pool"
  database_name = aiven_pg_database.app.database_name
  username      = aiven_pg_user.app.username
}

# The fork copies what exists when it is made, so it waits for the objects.
resource "aiven_pg" "fork" {
  project      = var.project
  service_name = "shop-fork"
  plan         = "startup-4"
  # The users, database and pool were made after the source's latest
  # backup: the latest transaction holds them.
  fork_point = "latest_transaction"

  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }

  depends_on = [
    aiven_pg_database.app,
    aiven_pg_user.app,
    aiven_pg_user.reporting,
    aiven_connection_pool.app,
  ]
}

# The fork's copies. To manage them as resources instead, adopt them with
# `import` blocks once the fork exists (see the forking guide).
data "aiven_pg_user" "fork_app" {
  project      = aiven_pg.fork.project
  service_name = aiven_pg.fork.service_name
  username     = aiven_pg_user.app.username
}

data "aiven_pg_database" "fork_app" {
  project       = aiven_pg.fork.project
  service_name  = aiven_pg.fork.service_name
  database_name = aiven_pg_database.app.database_name
}

data "aiven_connection_pool" "fork_app" {
  project      = aiven_pg.fork.project
  service_name = aiven_pg.fork.service_name
  pool_name    = aiven_connection_pool.app.pool_name
}

output "fork_app_has_the_source_password" {
  value = nonsensitive(data.aiven_pg_user.fork_app.password == aiven_pg_user.app.password)
}

output "fork_pool_uri" {
  value     = data.aiven_connection_pool.fork_app.connection_uri
  sensitive = true
}
