"""Shared machinery of the portal: database, audit, permissions, languages, mail."""
