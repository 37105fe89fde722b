"""Public compliance guides, exemption lists and the loader of compliance_guides/."""
