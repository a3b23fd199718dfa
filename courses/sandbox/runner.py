"""The sandbox's entry point: run student Python at the level this machine gives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from courses.sandbox.execution import check_file_names, execute
from courses.sandbox.levels import detect_level
from courses.sandbox.profiles import get_profile
from courses.sandbox.results import Level, Limits, RunResult, SandboxUnavailable


def run(
    files: Mapping[str, str | bytes],
    argv: Sequence[str],
    *,
    stdin: bytes = b"",
    limits: Limits = Limits(),  # noqa: B008 - frozen, so one shared default is safe
    profile: str = "python",
    minimum: Level | None = None,
) -> RunResult:
    """Write ``files`` into a fresh empty working folder and run ``python3 <flags> *argv`` there.

    Student failures (errors, limits) come back as a RunResult; a broken
    sandbox is Outcome.FAILED. Raises SandboxUnavailable when the detected
    level is below ``minimum``, and ValueError for an unknown profile or a
    file name that is not a plain relative path.
    """
    level = detect_level()
    if minimum is not None and level.rank < minimum.rank:
        raise SandboxUnavailable(f"the code sandbox here is {level}, below the required {minimum}")
    check_file_names(files)
    return execute(level, get_profile(profile), files, argv, stdin, limits)
