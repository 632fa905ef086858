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
  service_name = "project-pg"
  plan         = "startup-4"
}

# Most configurations start from the project they deploy into.
data "aiven_project" "example" {
  project = aiven_pg.example.project
}

output "default_cloud" {
  value = data.aiven_project.example.default_cloud
}
