"""The VOSS-style bulk load: spreadsheet loads followed as transactions."""
