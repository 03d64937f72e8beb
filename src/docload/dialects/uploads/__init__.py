"""The FOLIO mod-data-import compatible upload definitions: /data-import/."""
