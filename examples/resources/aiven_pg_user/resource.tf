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

resource "aiven_pg" "example" {
  project      = var.project
  service_name = "users-pg"
  plan         = "startup-4"
}

# A generated password, kept (sensitive) in state.
resource "aiven_pg_user" "reader" {
  project      = aiven_pg.example.project
  service_name = aiven_pg.example.service_name
  username     = "reader"
}

variable "writer_password" {
  type      = string
  sensitive = true
  default   = "change-me-in-a-tfvars-file"
}

# A write-only password (Terraform 1.11+): sent, never stored. Raise
# password_wo_version to send a new one.
resource "aiven_pg_user" "writer" {
  project              = aiven_pg.example.project
  service_name         = aiven_pg.example.service_name
  username             = "writer"
  password_wo          = var.writer_password
  password_wo_version  = 1
  pg_allow_replication = false
}
