"""Secrets at rest across processes: the stored key fingerprint and key rotation."""
