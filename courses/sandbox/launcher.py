"""The first program of every run: it limits itself, then becomes the sandbox.

It runs on the host as ``python3 -I -S -c LAUNCHER ...`` in a new session, so
nothing is set up between fork and exec in the (threaded) parent: it joins the
run's cgroups, sets the rlimits, drops root to ``nobody``, tells the parent it
got this far, and execs bubblewrap (or, at the rlimits level, the interpreter).
Everything it execs inherits the limits. RLIMIT_NPROC is never set: it counts
every process of the user machine-wide, so concurrent sandboxes would fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from courses.sandbox.profiles import INTERPRETER
from courses.sandbox.results import Limits

NOBODY = 65534
READY = b"launched\n"

LAUNCHER = f"""
import os, resource, sys
cpu, address, fsize, nofile, status_fd, keep_status = (int(v) for v in sys.argv[1:7])
count = int(sys.argv[7])
end = 8 + count
for path in sys.argv[8:end]:
    with open(path, "w") as procs:
        procs.write(str(os.getpid()))
for limit, soft, hard in (
    (resource.RLIMIT_CORE, 0, 0),
    (resource.RLIMIT_FSIZE, fsize, fsize),
    (resource.RLIMIT_NOFILE, nofile, nofile),
    (resource.RLIMIT_AS, address, address),
    (resource.RLIMIT_CPU, cpu, cpu + 1),
):
    ceiling = resource.getrlimit(limit)[1]
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(limit, (soft, hard))
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid({NOBODY})
    os.setuid({NOBODY})
os.write(status_fd, {READY!r})
if not keep_status:
    os.close(status_fd)
command = sys.argv[end:]
os.execv(command[0], command)
"""


def launcher_argv(
    limits: Limits, address_space_mb: int, status_fd: int, keep_status: bool, cgroup_procs: Sequence[str]
) -> list[str]:
    """The launcher's command line; the command to exec follows it."""
    cpu = max(1, int(-(-limits.cpu_seconds // 1)))  # whole seconds, rounded up
    return [
        INTERPRETER,
        "-I",
        "-S",
        "-c",
        LAUNCHER,
        str(cpu),
        str(address_space_mb * 1024 * 1024),
        str(limits.file_bytes),
        str(limits.open_files),
        str(status_fd),
        "1" if keep_status else "0",
        str(len(cgroup_procs)),
        *cgroup_procs,
    ]
