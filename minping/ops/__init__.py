"""Running an installation: backup and restore of the database, uploads and audit head."""
