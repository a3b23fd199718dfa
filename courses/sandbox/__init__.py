"""The sandbox that runs untrusted student Python: bubblewrap namespaces, cgroups and rlimits.

``run(files, argv)`` → ``RunResult``. The level of isolation this machine gives
(``detect_level()``) is recorded on every result and shown on /healthz.
"""

from courses.sandbox.levels import detect_level, required_level
from courses.sandbox.results import Level, Limits, Outcome, RunResult, SandboxUnavailable
from courses.sandbox.runner import run

__all__ = [
    "Level",
    "Limits",
    "Outcome",
    "RunResult",
    "SandboxUnavailable",
    "detect_level",
    "required_level",
    "run",
]
