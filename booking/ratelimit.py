"""Where rate-limit counts live in one app process: `process-memory://`.

limits' own `memory://` starts a timer thread to expire counts whenever the previous one has
run (10 ms), which at any steady traffic is a new thread per request: 3 to 4 ms of a 10 ms API
call on our machine (issue 19). This storage keeps the same counters and expires them lazily,
when a key is read and in one sweep at most every SWEEP_SECONDS, inside the request.
"""
from __future__ import annotations

import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 60.0


class ProcessMemoryStorage(MemoryStorage):
    """Fixed-window counters per process, expired without a thread of their own."""

    STORAGE_SCHEME = ["process-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept_at = time.monotonic()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self._sweep()
        with self.locks[key]:
            self.get(key)  # drops the count when its window is over
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
            return self.storage[key]

    def _sweep(self) -> None:
        """Forget the counts whose window ended, so idle keys do not pile up."""
        if time.monotonic() - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = time.monotonic()
        moment = time.time()
        for key, expires in list(self.expirations.items()):
            if expires <= moment:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
