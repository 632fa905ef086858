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

resource "aiven_valkey" "example" {
  project      = var.project
  service_name = "users-valkey"
  plan         = "startup-4"
}

resource "aiven_valkey_user" "example" {
  project               = aiven_valkey.example.project
  service_name          = aiven_valkey.example.service_name
  username              = "sessions"
  valkey_acl_categories = ["+@read", "+@write"]
  valkey_acl_commands   = ["-flushall", "-flushdb"]
  valkey_acl_keys       = ["session:*"]
  valkey_acl_channels   = []
}

data "aiven_valkey_user" "example" {
  project      = aiven_valkey_user.example.project
  service_name = aiven_valkey_user.example.service_name
  username     = aiven_valkey_user.example.username
}

output "keys" {
  value = data.aiven_valkey_user.example.valkey_acl_keys
}
