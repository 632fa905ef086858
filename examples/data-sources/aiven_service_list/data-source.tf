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
  service_name = "listed-source"
  plan         = "startup-4"
}

resource "aiven_pg" "fork" {
  project      = var.project
  service_name = "listed-fork"
  plan         = "startup-4"
  pg_user_config {
    service_to_fork_from = aiven_pg.source.service_name
  }
}

# Every service of the project (read once both services exist).
data "aiven_service_list" "all" {
  project    = aiven_pg.fork.project
  depends_on = [aiven_pg.source, aiven_pg.fork]
}

# Only the forks of one service: a project's forks at a glance.
data "aiven_service_list" "forks" {
  project     = aiven_pg.fork.project
  forked_from = aiven_pg.source.service_name
  depends_on  = [aiven_pg.fork]
}

output "service_names" {
  value = [for service in data.aiven_service_list.all.services : service.service_name]
}

output "forks_of_the_source" {
  value = [for service in data.aiven_service_list.forks.services : service.service_name]
}
