"""Pure code for official series: formats, periods, comparison. No ORM, no settings."""
