"""Media tests drive the publishing engine like tests/engine: a frozen clock and a worker."""

from tests.engine.conftest import frozen, worker

__all__ = ["frozen", "worker"]
