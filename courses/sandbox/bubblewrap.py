"""The bubblewrap command line for one run.

New user, PID, network, IPC, UTS and cgroup namespaces; a read-only /usr (with
/usr/local hidden) and the /lib, /lib64, /bin symlinks; a fresh /proc and a
read-only /dev (but its device nodes); size-limited tmpfs for /tmp (the working
folder, which holds only the run's files) and /dev/shm; a read-only root; no
environment but a few safe variables; uid/gid 65534; no capabilities.
Nothing from /etc (but a profile's extra binds), /work, /root or /home is visible.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence

from courses.sandbox.profiles import Profile

WORK_DIR = "/tmp/work"  # noqa: S108 - a path inside the sandbox's own tmpfs
SANDBOX_ID = "65534"
SHM_BYTES = 1024 * 1024

SAFE_ENV: Mapping[str, str] = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": WORK_DIR,
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def parent_dirs(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def bwrap_argv(
    bwrap: str,
    profile: Profile,
    file_fds: Mapping[str, int],
    status_fd: int,
    tmpfs_bytes: int,
    command: Sequence[str],
) -> list[str]:
    """``file_fds`` maps each file's relative name to a readable fd holding its content."""
    argv = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--tmpfs", "/usr/local",
        "--remount-ro", "/usr/local",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",  # noqa: S108 - the sandbox's own
        "--remount-ro", "/dev",
    ]  # fmt: skip
    for path in profile.extra_binds:
        argv += ["--ro-bind-try", path, path]
    sandbox_tmp = "/tmp"  # noqa: S108 - the sandbox's own tmpfs, not the host's
    argv += ["--size", str(tmpfs_bytes), "--tmpfs", sandbox_tmp, "--dir", WORK_DIR]
    made: set[str] = set()
    for name, fd in file_fds.items():
        for folder in parent_dirs(name):
            if folder not in made:
                made.add(folder)
                argv += ["--dir", f"{WORK_DIR}/{folder}"]
        argv += ["--file", str(fd), f"{WORK_DIR}/{name}"]
    # The root is bubblewrap's own unbounded tmpfs: nothing may be written there.
    argv += [
        "--remount-ro",
        "/",
        "--chdir",
        WORK_DIR,
        "--uid",
        SANDBOX_ID,
        "--gid",
        SANDBOX_ID,
        "--cap-drop",
        "ALL",
        "--clearenv",
    ]
    for key, value in SAFE_ENV.items():
        argv += ["--setenv", key, value]
    argv += ["--json-status-fd", str(status_fd), "--", *command]
    return argv
