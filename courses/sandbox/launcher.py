"""The first programs of every run: they limit themselves, then become the sandbox.

Three small C programs and a shell, started in a new session so that nothing is set
up between fork and exec in the (threaded) parent: ``prlimit`` sets the rlimits;
``bash`` joins the run's cgroups and tells the parent it got this far; ``setpriv``
drops root to ``nobody``; then bubblewrap (or, at the rlimits level, the interpreter)
is exec'd. Everything exec'd inherits the limits. RLIMIT_NPROC is never set: it
counts every process of the user machine-wide, so concurrent sandboxes would fail.
(A Python launcher did the same at twice the start-up cost.)
"""

from __future__ import annotations

import os
import resource
from collections.abc import Sequence

from courses.sandbox.results import Limits

NOBODY = 65534
READY = b"launched\n"
PRLIMIT = "/usr/bin/prlimit"
SETPRIV = "/usr/bin/setpriv"
BASH = "/bin/bash"

# $1: how many cgroup.procs files follow; then the files; then the status fd, whether to keep
# it open (bubblewrap reports on it), and the command.
STAGE = r"""
count=$1; shift
while [ "$count" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; count=$((count - 1)); done
status=$1; keep=$2; shift 2
printf 'launched\n' >&"$status" || exit 125
[ "$keep" = 1 ] || eval "exec $status>&-"
exec "$@"
"""


def _clamped(kind: int, value: int) -> int:
    """A limit no higher than the hard limit this process has (it cannot be raised without root)."""
    hard = resource.getrlimit(kind)[1]
    return value if hard == resource.RLIM_INFINITY or os.geteuid() == 0 else min(value, hard)


def launcher_argv(
    limits: Limits, address_space_mb: int, status_fd: int, keep_status: bool, cgroup_procs: Sequence[str]
) -> list[str]:
    """The launcher's command line; the command to exec follows it."""
    cpu = _clamped(resource.RLIMIT_CPU, max(1, int(-(-limits.cpu_seconds // 1))))  # whole seconds, rounded up
    size = _clamped(resource.RLIMIT_FSIZE, limits.file_bytes)
    files = _clamped(resource.RLIMIT_NOFILE, limits.open_files)
    address = _clamped(resource.RLIMIT_AS, address_space_mb * 1024 * 1024)
    cpu_hard = _clamped(resource.RLIMIT_CPU, cpu + 1)
    drop = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"] if os.geteuid() == 0 else []
    return [
        PRLIMIT,
        "--core=0:0",
        f"--fsize={size}:{size}",
        f"--nofile={files}:{files}",
        f"--as={address}:{address}",
        f"--cpu={min(cpu, cpu_hard)}:{cpu_hard}",
        "--",
        BASH,
        "--norc",
        "--noprofile",
        "-c",
        STAGE,
        "launcher",
        str(len(cgroup_procs)),
        *cgroup_procs,
        str(status_fd),
        "1" if keep_status else "0",
        *drop,
    ]
