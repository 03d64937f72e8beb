"""Dialect adapters: each translates one wire format to and from the import engine."""
