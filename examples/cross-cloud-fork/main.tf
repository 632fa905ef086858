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

resource "aiven_pg" "europe" {
  project      = var.project
  service_name = "orders-europe"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"
}

# The same data in another cloud and region: a fork moves it without
# loading the source.
resource "aiven_pg" "us" {
  project      = var.project
  service_name = "orders-us"
  plan         = "startup-4"
  cloud_name   = "aws-us-east-1"

  pg_user_config {
    service_to_fork_from = aiven_pg.europe.service_name
  }
}
