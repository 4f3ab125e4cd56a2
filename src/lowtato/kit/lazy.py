"""Modules imported at first use, for libraries most processes never call.

Stripe (with ``requests`` and its charset detection, some 5 MiB) runs only where billing is
configured; Pillow only when an image is probed or drawn. Importing them at start cost every
``lowtato serve`` that memory and import time (docs/performance.md). A module that uses one
keeps its usual import for the type checker::

    if TYPE_CHECKING:
        import stripe
    else:
        stripe = lazy_module("stripe")

Each attribute read imports the real module through the import system (once; later reads find
it in ``sys.modules``), so two threads that need it first at the same moment wait on the import
lock like any other import and never see a half-run module, which the standard library's
``LazyLoader`` allows before Python 3.12. An ``except stripe.StripeError`` clause reads the
name only when something was raised.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> ModuleType:
    """A stand-in for module ``name`` that imports it at the first attribute read."""
    return _Deferred(name)
