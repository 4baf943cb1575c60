"""Throttled logins: after repeated failures a user name (and the address trying it) must wait.

Five failures within fifteen minutes lock the name and the client address for five minutes;
a success clears the name's count. Kept in memory per process: a multi-process deployment
behind a proxy should also throttle at the proxy.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from lexradar.clues.errors import PermissionDenied


class TooManyAttempts(PermissionDenied):
    """Too many failed logins; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after} s")


@dataclass
class LoginThrottle:
    max_failures: int = 5
    window: float = 900.0
    lockout: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked: dict[str, float] = field(default_factory=dict)

    def check(self, *keys: str) -> None:
        """Raise :class:`TooManyAttempts` if any of ``keys`` is locked."""
        now = self.clock()
        for key in keys:
            until = self._locked.get(key)
            if until is not None and until > now:
                raise TooManyAttempts(int(until - now) + 1)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] < now - self.window:
                times.popleft()
            if len(times) >= self.max_failures:
                self._locked[key] = now + self.lockout
                times.clear()

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
        self._locked.pop(key, None)
