"""The minimal catalogue: informatieobjecttypen."""
