"""HTTP routes of the platform core."""
