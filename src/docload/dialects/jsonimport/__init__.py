"""The fylr-style JSON import: a manifest and its payloads, imported in order, rolled back."""
