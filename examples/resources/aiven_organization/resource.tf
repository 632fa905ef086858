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
  name = "Example Ltd (${var.project})"
}

# Projects name the organization as their parent.
resource "aiven_project" "example" {
  project   = var.project
  parent_id = aiven_organization.example.id
}
