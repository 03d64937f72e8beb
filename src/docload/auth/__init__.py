"""ZGW applications and JWT authentication."""
