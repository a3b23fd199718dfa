"""Runtime profiles: which interpreter flags a run gets and how much address space it may map.

Both use Debian's /usr/bin/python3, so a sandbox needs only a read-only /usr.
"""

from __future__ import annotations

from dataclasses import dataclass

INTERPRETER = "/usr/bin/python3"


@dataclass(frozen=True)
class Profile:
    name: str
    # -E -s: no PYTHON* variables, no user site. Not -I: it implies -P, which drops the
    # script's folder from sys.path, and main.py must import student.py.
    # -S (python): no site-packages at all, so only the standard library imports.
    flags: tuple[str, ...]
    # RLIMIT_AS is virtual memory: the interpreter and its libraries map this much
    # beyond what the student allocates (numpy and pandas import at ~90 MB with one
    # BLAS thread; the cgroup limit, where there is one, bounds real memory).
    address_space_headroom_mb: int
    # Read-only binds beyond /usr (Debian's BLAS is chosen by /etc/alternatives symlinks).
    extra_binds: tuple[str, ...] = ()


PROFILES: dict[str, Profile] = {
    "python": Profile("python", ("-E", "-s", "-S"), address_space_headroom_mb=64),
    "data": Profile("data", ("-E", "-s"), address_space_headroom_mb=256, extra_binds=("/etc/alternatives",)),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown sandbox profile {name!r}; known: {', '.join(PROFILES)}") from None
