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

resource "aiven_pg" "source" {
  project      = var.project
  service_name = "credentials-pg"
  plan         = "startup-4"
}

resource "aiven_mysql" "target" {
  project      = var.project
  service_name = "credentials-mysql"
  plan         = "startup-4"
}

# A user no resource here manages (the primary one, which every service
# has; a fork's copied users are another case): its password is read for
# this run and never stored. The id, project/service_name/username, waits
# for the service's id, so it is read at apply once the service exists;
# for a service already there, write project, service_name and username.
ephemeral "aiven_service_user_credentials" "admin" {
  id = "${aiven_pg.source.id}/avnadmin"
}

# The same password for the application's user on the MySQL service.
# Bump password_wo_version to send it again after a rotation.
resource "aiven_mysql_user" "app" {
  project             = aiven_mysql.target.project
  service_name        = aiven_mysql.target.service_name
  username            = "app"
  password_wo         = ephemeral.aiven_service_user_credentials.admin.password
  password_wo_version = 1
}
