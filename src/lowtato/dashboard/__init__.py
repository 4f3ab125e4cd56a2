"""The dashboard: server-rendered pages for the people who own the keys and the accounts."""
