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

resource "aiven_organization" "example" {
  name = "Found by name (${var.project})"
}

data "aiven_organization" "example" {
  name = aiven_organization.example.name
}

output "organization_id" {
  value = data.aiven_organization.example.id
}
