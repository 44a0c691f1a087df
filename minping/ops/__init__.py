"""Running an installation: backup and restore, and the office's working-day calendar (the
actions that change it; the table itself is lib's, read by every deadline)."""
