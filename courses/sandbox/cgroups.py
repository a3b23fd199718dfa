"""A memory and pids cgroup per run, on cgroup v2 or v1, created under our own cgroup.

The launcher writes its pid into ``procs_files`` before it execs bubblewrap, so
everything the run starts is limited and counted. Afterwards every process still
in the group is killed, an OOM kill is read from the counters, and the groups are removed.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """Controller (or "" for v2) → our cgroup path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _id, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _mounts() -> dict[str, tuple[Path, str]]:
    """Controller (or "" for v2) → (mount point, root of the mount in the hierarchy)."""
    found: dict[str, tuple[Path, str]] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _sep, right = line.partition(" - ")
        fields, extra = left.split(), right.split()
        if len(fields) < 5 or len(extra) < 3:
            continue
        root, mount_point, fstype, options = fields[3], Path(fields[4]), extra[0], extra[2].split(",")
        if fstype == "cgroup2":
            found.setdefault("", (mount_point, root))
        elif fstype == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options:
                    found.setdefault(controller, (mount_point, root))
    return found


def _directory(mount: tuple[Path, str], own: str) -> Path:
    mount_point, root = mount
    relative = own[len(root) :] if root != "/" and own.startswith(root) else own
    return mount_point / relative.lstrip("/")


@dataclass
class RunCgroup:
    version: int
    directories: list[Path]  # v2: one; v1: memory, pids

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.directories]

    def kill_all(self) -> None:
        for directory in self.directories:
            try:
                pids = (directory / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass

    def oom_killed(self) -> bool:
        try:
            if self.version == 2:
                text = (self.directories[0] / "memory.events").read_text()
            else:
                text = (self.directories[0] / "memory.oom_control").read_text()
        except OSError:
            return False
        counters = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        if int(counters.get("oom_kill", "0")) > 0:
            return True
        if self.version == 1:  # kernels without the oom_kill counter
            try:
                return int((self.directories[0] / "memory.failcnt").read_text()) > 0 and "oom_kill" not in counters
            except (OSError, ValueError):
                return False
        return False

    def remove(self) -> None:
        for directory in self.directories:
            for attempt in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy while the killed processes exit
                    self.kill_all()
                    time.sleep(0.01 * (attempt + 1))
            else:
                log.error("sandbox cgroup %s could not be removed", directory)


def _make(directory: Path, settings: dict[str, str]) -> None:
    directory.mkdir()
    for name, value in settings.items():
        (directory / name).write_text(value)


def create(memory_bytes: int, processes: int) -> RunCgroup | None:
    """A new run cgroup with the limits set, or None when this machine gives us none."""
    try:
        own, mounts = _own_paths(), _mounts()
    except OSError:
        return None
    name = f"lms-sandbox-{uuid.uuid4().hex[:12]}"
    if "memory" in mounts and "pids" in mounts and "memory" in own and "pids" in own:
        memory = _directory(mounts["memory"], own["memory"]) / name
        pids = _directory(mounts["pids"], own["pids"]) / name
        group = RunCgroup(1, [])
        try:
            _make(memory, {"memory.limit_in_bytes": str(memory_bytes)})
            group.directories.append(memory)
            try:  # no swap beyond the limit, where swap accounting exists
                (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            except OSError:
                pass
            _make(pids, {"pids.max": str(processes)})
            group.directories.append(pids)
            return group
        except OSError as exc:
            log.debug("cgroup v1 unavailable: %s", exc)
            group.remove()
            return None
    if "" in mounts and "" in own:
        parent = _directory(mounts[""], own[""])
        directory = parent / name
        try:
            enabled = (parent / "cgroup.subtree_control").read_text().split()
            if not {"memory", "pids"} <= set(enabled):
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
            _make(directory, {"memory.max": str(memory_bytes), "pids.max": str(processes)})
            try:
                (directory / "memory.swap.max").write_text("0")
            except OSError:
                pass
            return RunCgroup(2, [directory])
        except OSError as exc:
            log.debug("cgroup v2 unavailable: %s", exc)
            RunCgroup(2, [directory]).remove()
            return None
    return None
