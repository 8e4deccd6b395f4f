"""A settable clock for deterministic timestamps in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that only moves when told to (optionally by `step_ms` on every reading).

    Pass it as `FakeVoucherify(clock=ManualClock(...))` to control `created_at` and
    `updated_at` exactly, e.g. to give many customers the same millisecond.

    Args:
        start: The first time returned; default 2024-01-01T00:00:00Z. Naive means UTC.
        step_ms: Milliseconds added after each reading (0 keeps the time still).
    """

    def __init__(self, start: datetime | None = None, *, step_ms: int = 0) -> None:
        start = start or datetime(2024, 1, 1, tzinfo=UTC)
        self.now = start if start.tzinfo else start.replace(tzinfo=UTC)
        self.step_ms = step_ms

    def __call__(self) -> datetime:
        """Return the current time, then move on by `step_ms`."""
        current = self.now
        self.now = current + timedelta(milliseconds=self.step_ms)
        return current

    def advance(self, *, ms: int = 0, seconds: float = 0) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(milliseconds=ms, seconds=seconds)
        return self.now
