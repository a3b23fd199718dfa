"""One run at a given level: start the launcher, feed stdin, read capped output, enforce wall time, classify.

The parent never runs code between fork and exec (the grader calls this from
worker threads); the launcher does the child's set-up (see launcher.py). The
run is its own session and process group, killed whole with SIGKILL when it
ends, overruns or floods; bubblewrap's PID namespace and the cgroup leave no
survivors. Output is only ever bytes to the caller: nothing is unpickled.
"""

from __future__ import annotations

import functools
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from courses.sandbox import cgroups
from courses.sandbox.bubblewrap import SAFE_ENV, bwrap_argv, bwrap_path
from courses.sandbox.launcher import NOBODY, PRLIMIT, READY, launcher_argv
from courses.sandbox.profiles import INTERPRETER, Profile
from courses.sandbox.results import Level, Limits, Outcome, RunResult

MIN_TMPFS_BYTES = 16 * 1024 * 1024


@functools.cache
def nproc_counts_per_namespace(release: str | None = None) -> bool:
    """Whether RLIMIT_NPROC is counted per user namespace (Linux 5.14 and later).

    On older kernels it counts every process of the user on the machine, so setting it
    would make concurrent sandboxes fail: there it is left alone (a pids cgroup still bounds
    processes where there is one).
    """
    numbers = re.match(r"(\d+)\.(\d+)", release or os.uname().release)
    return numbers is not None and (int(numbers[1]), int(numbers[2])) >= (5, 14)


def check_file_names(files: Mapping[str, str | bytes]) -> None:
    for name in files:
        path = PurePosixPath(name)
        if not name or path.is_absolute() or ".." in path.parts or "\x00" in name or str(path) != name:
            raise ValueError(f"sandbox file names must be plain relative paths, not {name!r}")


def _content(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


@dataclass
class _Capture:
    cap: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    overflow: str = ""
    timed_out: bool = False


def _read_output(process: subprocess.Popen[bytes], capture: _Capture, deadline: float) -> None:
    """Read both pipes as they fill (so neither blocks the child) until EOF, overflow or the deadline."""
    selector = selectors.DefaultSelector()
    assert process.stdout is not None and process.stderr is not None  # noqa: S101 - both are pipes
    for stream, name in ((process.stdout, "stdout"), (process.stderr, "stderr")):
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ, name)
    try:
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                capture.timed_out = True
                return
            for key, _events in selector.select(remaining):
                try:
                    chunk = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer: bytearray = getattr(capture, key.data)
                room = capture.cap - len(buffer)
                buffer += chunk[:room]
                if len(chunk) > room:
                    capture.overflow = key.data
                    return
    finally:
        selector.close()


def _wait_for_exit(pid: int, deadline: float) -> bool:
    """Wait (without reaping, so the process group id stays ours) until the leader exits; False on timeout."""
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.001)
    return False


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _read_status(fd: int) -> bytes:
    os.set_blocking(fd, False)
    data = b""
    try:
        while chunk := os.read(fd, 65536):
            data += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    return data


def _bwrap_status(status: bytes, key: str) -> int | None:
    """A number from bubblewrap's JSON status lines (``child-pid``, ``exit-code``)."""
    for line in status.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and isinstance(document.get(key), int):
            return int(document[key])
    return None


def _wait_for_namespace_end(pid: int | None, limit: float = 30.0) -> None:
    """Wait until the sandbox's PID 1 is gone: the kernel lets it finish only once its namespace is empty.

    Without a pids cgroup a fork bomb can leave thousands of processes that take
    seconds to die; returning before that would let runs pile up on the machine.
    """
    if pid is None:
        return
    stat = Path(f"/proc/{pid}/stat")
    try:
        started = stat.read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return
        if fields[0] in ("Z", "X") or fields[19] != started:
            return
        time.sleep(0.001)


def execute(
    level: Level,
    profile: Profile,
    files: Mapping[str, str | bytes],
    argv: Sequence[str],
    stdin: bytes,
    limits: Limits,
) -> RunResult:
    """Run once at ``level`` (assumed available); a set-up failure is Outcome.FAILED, never an exception."""
    started = time.monotonic()

    def failed(detail: str, stderr: bytes = b"") -> RunResult:
        return RunResult(Outcome.FAILED, None, b"", stderr[-4096:], level, time.monotonic() - started, detail)

    sandboxed = level is not Level.RLIMITS
    bwrap = bwrap_path() if sandboxed else None
    if sandboxed and bwrap is None:
        return failed("bubblewrap (bwrap) is not installed")
    if not os.path.exists(INTERPRETER):
        return failed(f"{INTERPRETER} is missing")
    contents = {name: _content(value) for name, value in files.items()}
    group = None
    if level is Level.BUBBLEWRAP_CGROUPS:
        group = cgroups.create(limits.memory_mb * 1024 * 1024, limits.processes)
        if group is None:
            return failed("could not create the run's cgroup")
    status_read, status_write = os.pipe()
    fds: list[int] = [status_write]
    workdir: str | None = None
    interpreter = [INTERPRETER, *profile.flags, *argv]
    address_space_mb = limits.memory_mb + profile.address_space_headroom_mb
    try:
        if bwrap is not None:
            file_fds: dict[str, int] = {}
            for name, content in contents.items():
                fd = os.memfd_create("sandbox-file")
                fds.append(fd)
                os.write(fd, content)
                os.lseek(fd, 0, os.SEEK_SET)
                file_fds[name] = fd
            tmpfs_bytes = sum(map(len, contents.values())) + max(MIN_TMPFS_BYTES, 4 * limits.file_bytes)
            # Inside the run's own user namespace RLIMIT_NPROC counts only this run's processes (the
            # kernel counts per namespace since Linux 5.14): a fork bomb is bounded even without a pids
            # cgroup. Outside, where it would count every process of the user, it is never set.
            inside = list(interpreter)
            if nproc_counts_per_namespace():
                inside = [PRLIMIT, f"--nproc={limits.processes}:{limits.processes}", "--", *interpreter]
            command = bwrap_argv(bwrap, profile, file_fds, status_write, tmpfs_bytes, inside)
            cwd, env = "/", dict(SAFE_ENV)
        else:
            workdir = tempfile.mkdtemp(prefix="lms-sandbox-")
            for name, content in contents.items():
                target = os.path.join(workdir, name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as out:
                    out.write(content)
            if os.geteuid() == 0:  # the launcher becomes nobody, who must own its folder
                for root, dirs, names in os.walk(workdir):
                    for entry in [root, *(os.path.join(root, n) for n in dirs + names)]:
                        os.chown(entry, NOBODY, NOBODY)
            command = interpreter
            cwd, env = workdir, {**SAFE_ENV, "HOME": workdir}
        full = launcher_argv(
            limits, address_space_mb, status_write, bwrap is not None, group.procs_files if group else []
        )
        with tempfile.TemporaryFile() as stdin_file:
            stdin_file.write(stdin)
            stdin_file.seek(0)
            try:
                process = subprocess.Popen(  # noqa: S603 - a fixed command line, no shell
                    [*full, *command],
                    stdin=stdin_file,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=fds,
                    cwd=cwd,
                    env=env,
                    start_new_session=True,
                )
            except OSError as exc:
                return failed(f"could not start the sandbox: {exc}")
        for fd in fds:
            os.close(fd)
        fds = []
        return _supervise(process, level, limits, started, status_read, group)
    finally:
        for fd in fds:
            os.close(fd)
        if group is not None:
            group.kill_all()
            group.remove()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _supervise(
    process: subprocess.Popen[bytes],
    level: Level,
    limits: Limits,
    started: float,
    status_read: int,
    group: cgroups.RunCgroup | None,
) -> RunResult:
    capture = _Capture(limits.output_bytes)
    deadline = started + limits.wall_seconds
    try:
        _read_output(process, capture, deadline)
        if not capture.overflow and not capture.timed_out:
            capture.timed_out = not _wait_for_exit(process.pid, deadline)
        _kill_group(process.pid)
        if group is not None:
            group.kill_all()
        _pid, wait_status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(wait_status)
    except BaseException:
        # Whatever went wrong here, the run must not outlive it.
        _kill_group(process.pid)
        process.kill()
        process.wait()
        raise
    finally:
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    elapsed = time.monotonic() - started
    status = _read_status(status_read)
    _wait_for_namespace_end(_bwrap_status(status, "child-pid"))
    stdout, stderr = bytes(capture.stdout), bytes(capture.stderr)
    sandboxed = level is not Level.RLIMITS
    if not status.startswith(READY) or (sandboxed and b'"child-pid"' not in status):
        if capture.timed_out:
            return RunResult(Outcome.FAILED, None, b"", stderr[-4096:], level, elapsed, "the sandbox did not start")
        return RunResult(Outcome.FAILED, None, b"", stderr[-4096:], level, elapsed, "the sandbox could not start")

    def result(outcome: Outcome, detail: str, code: int | None) -> RunResult:
        return RunResult(outcome, code, stdout, stderr, level, elapsed, detail)

    if capture.overflow:
        return result(Outcome.OUTPUT, f"more than {limits.output_bytes} bytes on {capture.overflow}", None)
    if capture.timed_out:
        return result(Outcome.TIMEOUT, f"wall time limit {limits.wall_seconds:g} s", None)
    code: int = process.returncode
    if sandboxed:  # bubblewrap reports a child killed by signal N as exit code 128 + N
        reported = _bwrap_status(status, "exit-code")
        if reported is None:
            return result(Outcome.FAILED, "the sandbox ended without the program's exit status", None)
        code = reported
    killed_by = -code if code < 0 else code - 128 if sandboxed and code > 128 else 0
    cpu_used = usage.ru_utime + usage.ru_stime
    if group is not None and group.oom_killed():
        return result(Outcome.MEMORY, f"memory limit {limits.memory_mb} MB", code)
    if killed_by == signal.SIGXCPU or (killed_by == signal.SIGKILL and cpu_used >= limits.cpu_seconds * 0.9):
        return result(Outcome.TIMEOUT, f"CPU time limit {limits.cpu_seconds:g} s", code)
    last_line = stderr.rstrip().rsplit(b"\n", 1)[-1]
    if code != 0 and last_line.startswith(b"MemoryError"):
        return result(Outcome.MEMORY, f"memory limit {limits.memory_mb} MB", code)
    if code == 0:
        return result(Outcome.OK, "", code)
    if killed_by:
        return result(Outcome.ERROR, f"killed by signal {_signal_name(killed_by)}", code)
    return result(Outcome.ERROR, f"exit code {code}", code)
