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

resource "aiven_mysql" "example" {
  project      = var.project
  service_name = "users-mysql"
  plan         = "startup-4"
}

resource "aiven_mysql_user" "example" {
  project             = aiven_mysql.example.project
  service_name        = aiven_mysql.example.service_name
  username            = "app"
  password_wo         = "change-me-in-a-tfvars-file"
  password_wo_version = 1
  authentication      = "caching_sha2_password"
}

data "aiven_mysql_user" "example" {
  project      = aiven_mysql_user.example.project
  service_name = aiven_mysql_user.example.service_name
  username     = aiven_mysql_user.example.username
}

output "authentication" {
  value = data.aiven_mysql_user.example.authentication
}
