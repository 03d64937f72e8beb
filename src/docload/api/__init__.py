"""HTTP plumbing shared by every API: problem+json errors, pagination, body limits."""
