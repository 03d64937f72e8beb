"""The imports page: every import of every dialect, for staff, in the browser."""
