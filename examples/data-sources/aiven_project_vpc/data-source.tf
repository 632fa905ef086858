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

# A VPC belongs to a project that exists already.
resource "aiven_project" "example" {
  project = "${var.project}-net"
}

resource "aiven_project_vpc" "example" {
  project      = aiven_project.example.project
  cloud_name   = "aws-eu-west-1"
  network_cidr = "10.10.0.0/24"
}

# Finds the project's VPC in a cloud.
data "aiven_project_vpc" "by_cloud" {
  project    = aiven_project_vpc.example.project
  cloud_name = aiven_project_vpc.example.cloud_name
}

output "network" {
  value = data.aiven_project_vpc.by_cloud.network_cidr
}
