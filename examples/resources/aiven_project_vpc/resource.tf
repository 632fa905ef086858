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

# One VPC per cloud in a project. aiven-local records it; no network is
# made, and services in it still answer on 127.0.0.1.
# A VPC belongs to a project that exists already.
resource "aiven_project" "example" {
  project = "${var.project}-net"
}

resource "aiven_project_vpc" "example" {
  project      = aiven_project.example.project
  cloud_name   = "google-europe-west1"
  network_cidr = "192.168.1.0/24"
}

# A service in the VPC: same project, same cloud, and the VPC's id.
resource "aiven_pg" "in_vpc" {
  project        = aiven_project.example.project
  service_name   = "vpc-pg"
  plan           = "startup-4"
  cloud_name     = aiven_project_vpc.example.cloud_name
  project_vpc_id = aiven_project_vpc.example.id
}
