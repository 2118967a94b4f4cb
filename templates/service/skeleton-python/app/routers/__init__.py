"""HTTP routes: operations (health) and the versioned API."""
