"""Which isolation this machine gives, found once per process by running a probe through the real path."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from courses.sandbox.execution import execute
from courses.sandbox.profiles import get_profile
from courses.sandbox.results import Level, Limits, Outcome

log = logging.getLogger(__name__)

_lock = threading.Lock()
_detected: Level | None = None
PROBE_LIMITS = Limits(cpu_seconds=2, wall_seconds=5)  # a stuck probe delays one /healthz at most 10 s


def _works(level: Level) -> tuple[bool, str]:
    result = execute(level, get_profile("python"), {"probe.py": "print('ok')"}, ["probe.py"], b"", PROBE_LIMITS)
    if result.outcome is Outcome.OK and result.stdout == b"ok\n":
        return True, ""
    reason = result.detail or result.outcome.value
    stderr = result.stderr.decode(errors="replace").strip()
    return False, f"{reason}: {stderr[-300:]}" if stderr else reason


def _probe() -> Level:
    works, reason = _works(Level.BUBBLEWRAP_CGROUPS)
    if works:
        log.info("code sandbox level: %s", Level.BUBBLEWRAP_CGROUPS)
        return Level.BUBBLEWRAP_CGROUPS
    works, why_not_bwrap = _works(Level.BUBBLEWRAP)
    if works:
        log.warning(
            "code sandbox level: %s (no memory/pids cgroup: %s); memory is bounded by the address-space "
            "rlimit only and processes by the PID namespace and time limits",
            Level.BUBBLEWRAP,
            reason,
        )
        return Level.BUBBLEWRAP
    log.warning(
        "CODE SANDBOX LEVEL: %s ONLY (bubblewrap unusable: %s). Student code can read this machine's "
        "world-readable files and reach the network. Install bubblewrap (apt-get install bubblewrap); "
        "production settings refuse to grade code at this level.",
        Level.RLIMITS,
        why_not_bwrap,
    )
    return Level.RLIMITS


def detect_level(refresh: bool = False) -> Level:
    """The strongest level that works here; probed on first use (or on refresh), then cached."""
    global _detected
    with _lock:
        if _detected is None or refresh:
            _detected = _probe()
        return _detected


def required_level(app_or_config: Any) -> Level | None:
    """The minimum level a configuration (a Flask app or its config mapping) requires, from SANDBOX_MINIMUM_LEVEL."""
    config: Mapping[str, Any] = getattr(app_or_config, "config", app_or_config)
    value = config.get("SANDBOX_MINIMUM_LEVEL")
    if value in (None, ""):
        return None
    try:
        return Level(str(value))
    except ValueError:
        known = ", ".join(level.value for level in Level)
        raise ValueError(f"SANDBOX_MINIMUM_LEVEL must be one of {known}, not {value!r}") from None
