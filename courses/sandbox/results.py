"""What a sandbox run is given and what it returns: levels, limits, outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How strongly student code is isolated, ordered weakest to strongest."""

    RLIMITS = "rlimits"
    BUBBLEWRAP = "bubblewrap"
    BUBBLEWRAP_CGROUPS = "bubblewrap+cgroups"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Outcome(StrEnum):
    OK = "ok"  # exited 0
    ERROR = "error"  # exited non-zero (e.g. uncaught exception)
    TIMEOUT = "timeout"  # CPU limit or wall limit hit
    MEMORY = "memory"  # memory limit hit (MemoryError exit, cgroup OOM kill, or address-space limit)
    OUTPUT = "output"  # wrote more than limits.output_bytes on stdout or stderr (killed)
    FAILED = "failed"  # the sandbox itself could not run: not the student's fault


@dataclass(frozen=True)
class Limits:
    cpu_seconds: float = 2.0
    wall_seconds: float = 5.0
    memory_mb: int = 256
    output_bytes: int = 64 * 1024
    processes: int = 32
    file_bytes: int = 1024 * 1024
    open_files: int = 64

    def __post_init__(self) -> None:
        # Whole numbers where the kernel wants them, whatever the caller passed; always positive.
        for name in ("cpu_seconds", "wall_seconds"):
            value = float(getattr(self, name))
            if not value > 0:
                raise ValueError(f"{name} must be positive")
            object.__setattr__(self, name, value)
        for name in ("memory_mb", "output_bytes", "processes", "file_bytes", "open_files"):
            value = int(getattr(self, name))
            if value <= 0:
                raise ValueError(f"{name} must be positive")
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class RunResult:
    outcome: Outcome
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    level: Level
    wall_seconds: float
    detail: str = ""  # short human reason, e.g. "wall time limit 5 s"


class SandboxUnavailable(Exception):
    """The isolation level a caller requires is not available on this machine."""
