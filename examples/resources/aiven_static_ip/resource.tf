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

resource "aiven_project" "example" {
  project = "${var.project}-ips"
}

# Addresses of the project in one cloud. aiven-local records them (from
# 198.18.0.0/15, which no network routes); nothing is routed to them.
resource "aiven_static_ip" "example" {
  count      = 2
  project    = aiven_project.example.project
  cloud_name = "google-europe-west1"
}

# Associated with the service, they are `available`; with its static_ips
# setting on, `assigned`, and then bound to it until its nodes are
# recycled.
resource "aiven_pg" "example" {
  project      = aiven_project.example.project
  service_name = "static-ips-pg"
  plan         = "startup-4"
  cloud_name   = "google-europe-west1"
  static_ips   = toset(aiven_static_ip.example[*].static_ip_address_id)

  pg_user_config {
    static_ips = true
  }
}
