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

resource "aiven_opensearch" "example" {
  project      = var.project
  service_name = "rules-opensearch"
  plan         = "startup-4"
}

resource "aiven_opensearch_user" "analyst" {
  project      = aiven_opensearch.example.project
  service_name = aiven_opensearch.example.service_name
  username     = "analyst"
}

resource "aiven_opensearch_acl_config" "example" {
  project      = aiven_opensearch.example.project
  service_name = aiven_opensearch.example.service_name
  enabled      = true
}

# The analyst reads every logs index but last year's, and adds events.
locals {
  rules = {
    "logs_*"     = "read"
    "logs_2025*" = "deny"
    "events_*"   = "write"
  }
}

resource "aiven_opensearch_acl_rule" "analyst" {
  for_each     = local.rules
  project      = aiven_opensearch_acl_config.example.project
  service_name = aiven_opensearch_acl_config.example.service_name
  username     = aiven_opensearch_user.analyst.username
  index        = each.key
  permission   = each.value
}
