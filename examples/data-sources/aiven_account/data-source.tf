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

resource "aiven_account" "example" {
  name = "Legacy account found by name (${var.project})"
}

data "aiven_account" "example" {
  name = aiven_account.example.name
}

output "account_id" {
  value = data.aiven_account.example.id
}
