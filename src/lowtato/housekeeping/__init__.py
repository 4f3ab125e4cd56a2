"""Periodic pruning of tables that would otherwise grow forever."""
