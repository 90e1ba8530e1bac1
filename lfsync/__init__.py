"""lfsync: Terraform-style plan/apply for the accounts of a Lightfield organisation."""

__version__ = "0.1.0"
