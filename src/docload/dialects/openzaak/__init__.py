"""The Open Zaak-compatible import API: /documenten/api/v1/import/."""
