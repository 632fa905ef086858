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

# Deprecated: new configurations use aiven_organization.
resource "aiven_account" "example" {
  name = "Legacy account (${var.project})"
}

resource "aiven_project" "example" {
  project   = var.project
  parent_id = aiven_account.example.id
}
