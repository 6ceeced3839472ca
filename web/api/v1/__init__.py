"""`/api/v1/*` resources, one module each, each with its own `routes` table."""
