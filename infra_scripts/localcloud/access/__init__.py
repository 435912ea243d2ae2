"""IAM for code running in the local cloud: its roles' credentials, each request's action and
resource, AWS's policy evaluation."""
