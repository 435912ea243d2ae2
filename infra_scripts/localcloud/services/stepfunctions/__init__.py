"""Step Functions: moto's ASL interpreter, fixed and sped up, with real service integrations."""
