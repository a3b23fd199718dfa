"""The code sandbox, run for real at the level this machine gives.

Tests that need bubblewrap are skipped where it is unusable, except under
CI=true, where they fail: CI runs the sandbox at the bubblewrap level.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from courses.sandbox import (
    Level,
    Limits,
    Outcome,
    SandboxUnavailable,
    detect_level,
    execution,
    levels,
    required_level,
    run,
)
from courses.sandbox.profiles import get_profile
from lms import create_app, queue
from lms.config import DevelopmentConfig, ProductionConfig
from tests.conftest import IN_CI

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def require(level: Level) -> None:
    available = detect_level()
    if available.rank >= level.rank:
        return
    message = f"needs the {level} sandbox level; this machine gives {available} (see the log for why)"
    if IN_CI and level is Level.BUBBLEWRAP:
        pytest.fail(message)
    pytest.skip(message)


def run_main(code: str, *args: str, **kwargs):
    return run({"main.py": code}, ["main.py", *args], **kwargs)


def test_ci_gets_the_bubblewrap_level():
    require(Level.BUBBLEWRAP)
    assert detect_level() in (Level.BUBBLEWRAP, Level.BUBBLEWRAP_CGROUPS)


def test_hello_world_with_stdin_and_the_level_on_the_result():
    result = run_main("import sys\nprint('hello', sys.stdin.read().upper())", stdin=b"world")
    assert result.outcome is Outcome.OK, result
    assert (result.stdout, result.stderr, result.exit_code) == (b"hello WORLD\n", b"", 0)
    assert result.level is detect_level()


def test_files_in_folders_are_importable_from_the_working_folder():
    files = {
        "main.py": "import student\nfrom pkg.helper import answer\nprint(student.name(), answer())",
        "student.py": "def name(): return 'student'",
        "pkg/helper.py": "def answer(): return 42",
    }
    result = run(files, ["main.py"])
    assert result.outcome is Outcome.OK, result
    assert result.stdout == b"student 42\n"


@pytest.mark.parametrize("name", ["/etc/x.py", "../x.py", "a/../../x.py", ""])
def test_file_names_must_stay_in_the_working_folder(name):
    with pytest.raises(ValueError, match="relative"):
        run({name: "print(1)"}, ["main.py"])


def test_an_exception_is_an_error_with_its_traceback():
    result = run_main("raise ValueError('bad input')")
    assert result.outcome is Outcome.ERROR and result.exit_code == 1
    assert b"Traceback" in result.stderr and b"ValueError: bad input" in result.stderr


def test_an_endless_sleep_hits_the_wall_time_limit():
    started = time.monotonic()
    result = run_main("import time\nwhile True: time.sleep(1)", limits=Limits(wall_seconds=1))
    assert result.outcome is Outcome.TIMEOUT and "wall" in result.detail
    assert 1 <= time.monotonic() - started < 2


def test_burning_cpu_hits_the_cpu_time_limit():
    result = run_main("while True: pass", limits=Limits(cpu_seconds=1, wall_seconds=10))
    assert result.outcome is Outcome.TIMEOUT and "CPU" in result.detail, result
    assert result.wall_seconds < 3


def test_allocating_a_gigabyte_hits_the_memory_limit():
    result = run_main("data = bytearray(1 << 30)\nprint('allocated')", limits=Limits(memory_mb=128))
    assert result.outcome is Outcome.MEMORY, result
    assert b"allocated" not in result.stdout


def test_touching_more_memory_than_the_cgroup_allows_is_an_oom_kill():
    """Within the address-space rlimit (the data profile's headroom) but over the cgroup's limit."""
    require(Level.BUBBLEWRAP_CGROUPS)
    code = "data = bytearray(300 << 20)\ndata[::4096] = b'x' * len(data[::4096])\nprint('survived')"
    result = run_main(code, limits=Limits(memory_mb=128), profile="data")
    assert result.outcome is Outcome.MEMORY, result
    assert result.stdout == b""


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_flooding_output_is_cut_at_the_cap(stream):
    code = f"import sys\nsys.{stream}.write('x' * (10 << 20))"
    result = run_main(code, limits=Limits(output_bytes=64 * 1024))
    assert result.outcome is Outcome.OUTPUT and stream in result.detail
    assert len(getattr(result, stream)) == 64 * 1024


def test_a_lot_on_stderr_does_not_deadlock_stdout():
    code = "import sys\nsys.stderr.write('e' * (1 << 20))\nprint('done')"
    result = run_main(code, limits=Limits(output_bytes=2 << 20))
    assert result.outcome is Outcome.OK and result.stdout == b"done\n" and len(result.stderr) == 1 << 20


PROBE = """
import json, os, sys
seen = {}
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        seen[path] = "readable"
    except OSError as exc:
        seen[path] = type(exc).__name__
print(json.dumps(seen))
"""


def test_the_platforms_files_and_secrets_are_out_of_reach():
    require(Level.BUBBLEWRAP)
    paths = [
        "/work",
        str(PROJECT_ROOT),
        str(PROJECT_ROOT / "lms" / "config.py"),
        str(PROJECT_ROOT / "instance"),
        "/etc/shadow",
        "/etc/passwd",
        "/root",
        "/home",
        "/usr/local",
    ]
    result = run_main(PROBE, *paths)
    assert result.outcome is Outcome.OK, result
    seen = json.loads(result.stdout)
    assert not [path for path, state in seen.items() if state == "readable" and path != "/usr/local"], seen
    assert os.path.exists(PROJECT_ROOT / "lms" / "config.py")  # the probe was real


def test_usr_local_is_empty_inside():
    require(Level.BUBBLEWRAP)
    result = run_main("import os\nprint(os.listdir('/usr/local'))")
    assert result.stdout == b"[]\n", result


def test_the_environment_holds_no_secrets(monkeypatch):
    monkeypatch.setenv("LMS_SECRET_KEY", "fake-secret-must-not-leak")
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://lms:hunter2@db/lms")
    result = run_main("import os, json\nprint(json.dumps(dict(os.environ)))")
    environment = json.loads(result.stdout)
    assert not [key for key in environment if key.startswith("LMS_")]
    assert "fake-secret" not in result.stdout.decode() and "hunter2" not in result.stdout.decode()
    assert environment["LANG"] == "C.UTF-8"


def test_the_sandbox_runs_as_nobody():
    result = run_main("import os\nprint(os.getuid(), os.getgid())")
    assert result.stdout == b"65534 65534\n", result


NETWORK = """
import socket
for attempt in (
    lambda: socket.create_connection(("127.0.0.1", 5432), timeout=2),
    lambda: socket.create_connection(("1.1.1.1", 53), timeout=2),
    lambda: socket.getaddrinfo("deb.debian.org", 443),
):
    try:
        attempt()
        print("reached")
    except OSError as exc:
        print("blocked", type(exc).__name__)
"""


def test_no_network_not_even_the_local_database():
    require(Level.BUBBLEWRAP)
    result = run_main(NETWORK)
    assert result.outcome is Outcome.OK, result
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 3 and all(line.startswith("blocked") for line in lines), lines


def processes_with(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(entry.name)
            except OSError:
                continue
    return found


def test_processes_are_bounded_per_run_even_without_a_pids_cgroup():
    """At the bubblewrap level (no cgroup), RLIMIT_NPROC set inside the run's own user namespace
    bounds its processes; it counts only that run's (Linux >= 5.14), so two runs at once each get
    their own. Safe even if it regressed: the program stops after 100 forks."""
    require(Level.BUBBLEWRAP)
    if not execution.nproc_counts_per_namespace():
        pytest.skip("before Linux 5.14 RLIMIT_NPROC counts machine-wide and is not used")
    code = (
        "import os, time\nmade = 0\nfor _ in range(100):\n    try:\n        pid = os.fork()\n"
        "    except OSError as exc:\n        print(type(exc).__name__, made)\n        break\n"
        "    if pid == 0:\n        time.sleep(1)\n        os._exit(0)\n    made += 1\n"
    )

    def once():
        return execution.execute(
            Level.BUBBLEWRAP, get_profile("python"), {"main.py": code}, ["main.py"], b"", Limits(processes=16)
        )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _n: once(), range(2)))
    for result in results:
        assert result.outcome is Outcome.OK, result
        name, made = result.stdout.decode().split()
        assert name == "BlockingIOError" and 5 <= int(made) < 16, result.stdout


def test_a_fork_bomb_ends_in_wall_time_and_leaves_nothing_behind():
    """At the detected level (a pids cgroup where there is one; RLIMIT_NPROC inside the run's
    user namespace in any case)."""
    require(Level.BUBBLEWRAP)
    marker = f"forkbomb-{uuid.uuid4().hex}"
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    started = time.monotonic()
    result = run_main(code, marker, limits=Limits(wall_seconds=2))
    assert result.outcome is Outcome.TIMEOUT, result
    assert result.wall_seconds < 3 and time.monotonic() - started < 10
    assert processes_with(marker) == []


def test_a_background_child_does_not_outlive_the_run():
    require(Level.BUBBLEWRAP)
    marker = f"orphan-{uuid.uuid4().hex}"
    code = "import os, sys, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\nprint('parent done')"
    result = run_main(code, marker)
    assert result.outcome is Outcome.OK and result.stdout == b"parent done\n", result
    time.sleep(0.2)
    assert processes_with(marker) == []


WRITES = """
import json, os
seen = {}
for path in ["/escape-marker", "/usr/escape-marker", "/dev/escape-marker", "/tmp/work/inside.txt"]:
    try:
        with open(path, "w") as out:
            out.write("x")
        seen[path] = "written"
    except OSError as exc:
        seen[path] = type(exc).__name__
print(json.dumps(seen))
"""


def test_writes_outside_the_working_folder_fail():
    require(Level.BUBBLEWRAP)
    result = run_main(WRITES)
    seen = json.loads(result.stdout)
    assert seen.pop("/tmp/work/inside.txt") == "written"  # noqa: S108 - the sandbox's own folder
    assert set(seen.values()) == {"OSError"}, seen
    assert not Path("/escape-marker").exists() and not Path("/usr/escape-marker").exists()


def test_a_file_larger_than_the_limit_cannot_be_written():
    code = (
        "import os\ntry:\n    open('big.bin', 'wb').write(b'x' * (2 << 20))\nexcept OSError as exc:\n"
        "    print('refused', exc.errno)\nprint(os.path.getsize('big.bin'))"
    )
    result = run_main(code, limits=Limits(file_bytes=1 << 20))
    assert result.outcome is Outcome.OK, result
    refused, size = result.stdout.decode().splitlines()
    assert refused == "refused 27" and int(size) <= 1 << 20  # EFBIG


def test_the_python_profile_has_only_the_standard_library():
    result = run_main("import numpy")
    assert result.outcome is Outcome.ERROR and b"No module named 'numpy'" in result.stderr


def test_the_data_profile_has_numpy_and_pandas():
    code = "import numpy as np, pandas as pd\nprint(pd.DataFrame({'a': np.arange(4)})['a'].sum())"
    result = run_main(code, profile="data")
    assert result.outcome is Outcome.OK, result
    assert result.stdout == b"6\n"


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        run_main("print(1)", profile="gpu")


def test_eight_sandboxes_at_once_all_succeed():
    code = "import sys\nprint(sum(range(10**5)) + int(sys.argv[1]))"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: run_main(code, str(n)), range(8)))
    assert [r.outcome for r in results] == [Outcome.OK] * 8, [r for r in results if r.outcome is not Outcome.OK]
    assert [int(r.stdout) for r in results] == [sum(range(10**5)) + n for n in range(8)]


def test_the_rlimits_level_runs_and_limits_too(monkeypatch):
    """The development fallback: a private folder, a cleared environment, rlimits, the group killed."""
    monkeypatch.setenv("LMS_SECRET_KEY", "fake-secret-must-not-leak")
    python = get_profile("python")
    ok = execution.execute(Level.RLIMITS, python, {"main.py": "import os\nprint(sorted(os.environ))"}, ["main.py"],
                           b"", Limits())  # fmt: skip
    assert ok.outcome is Outcome.OK and ok.level is Level.RLIMITS and b"LMS_" not in ok.stdout
    slow = execution.execute(Level.RLIMITS, python, {"main.py": "while True: pass"}, ["main.py"], b"",
                             Limits(cpu_seconds=1, wall_seconds=0.5))  # fmt: skip
    assert slow.outcome is Outcome.TIMEOUT and "wall" in slow.detail


def test_without_bubblewrap_the_level_falls_back_loudly(monkeypatch, caplog):
    monkeypatch.setattr(levels, "_detected", levels._detected)  # restored after the test
    monkeypatch.setattr(execution, "bwrap_path", lambda: None)
    with caplog.at_level(logging.WARNING, logger="courses.sandbox.levels"):
        assert detect_level(refresh=True) is Level.RLIMITS
    assert "bubblewrap" in caplog.text and "RLIMITS" in caplog.text.upper()
    assert run_main("print('still runs')").level is Level.RLIMITS
    with pytest.raises(SandboxUnavailable):
        run_main("print(1)", minimum=Level.BUBBLEWRAP)


def test_a_minimum_above_the_detected_level_is_refused(monkeypatch):
    monkeypatch.setattr(levels, "_detected", Level.BUBBLEWRAP)
    with pytest.raises(SandboxUnavailable, match="bubblewrap\\+cgroups"):
        run_main("print(1)", minimum=Level.BUBBLEWRAP_CGROUPS)
    assert run_main("print(1)", minimum=Level.BUBBLEWRAP).level is Level.BUBBLEWRAP


def test_the_detected_level_is_cached():
    first = detect_level()
    started = time.monotonic()
    assert detect_level() is first
    assert time.monotonic() - started < 0.01


def test_levels_are_ordered_weakest_first():
    assert [level.rank for level in (Level.RLIMITS, Level.BUBBLEWRAP, Level.BUBBLEWRAP_CGROUPS)] == [0, 1, 2]


def test_required_level_comes_from_the_configuration(app, tmp_path, monkeypatch):
    assert required_level(app) is Level.RLIMITS
    assert ProductionConfig.SANDBOX_MINIMUM_LEVEL == "bubblewrap"
    assert DevelopmentConfig.SANDBOX_MINIMUM_LEVEL == "rlimits"
    assert required_level({"SANDBOX_MINIMUM_LEVEL": "bubblewrap+cgroups"}) is Level.BUBBLEWRAP_CGROUPS
    assert required_level({}) is None
    with pytest.raises(ValueError, match="SANDBOX_MINIMUM_LEVEL"):
        required_level({"SANDBOX_MINIMUM_LEVEL": "chroot"})
    monkeypatch.setenv("LMS_SANDBOX_MINIMUM_LEVEL", "bubblewrap")
    try:
        development = create_app({"ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})
        assert required_level(development) is Level.BUBBLEWRAP
    finally:
        queue.init_queue(app)


def test_health_shows_the_sandbox_level(client):
    body = client.get("/healthz").get_json()
    assert body["sandbox"] == detect_level().value
    assert body["status"] == "ok"


def test_limits_are_whole_numbers_where_the_kernel_wants_them_and_positive():
    limits = Limits(cpu_seconds=1, memory_mb=128.0, output_bytes=65536.0)  # type: ignore[arg-type]
    assert isinstance(limits.memory_mb, int) and isinstance(limits.output_bytes, int)
    assert isinstance(limits.cpu_seconds, float)
    for bad in ({"memory_mb": 0}, {"wall_seconds": -1}, {"output_bytes": 0}):
        with pytest.raises(ValueError, match="positive"):
            Limits(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("release", "per_namespace"),
    [("6.1.0-13-amd64", True), ("5.14.0", True), ("5.10.0-26-amd64", False), ("4.19.0", False), ("weird", False)],
)
def test_rlimit_nproc_is_used_only_where_it_counts_per_namespace(release, per_namespace):
    assert execution.nproc_counts_per_namespace.__wrapped__(release) is per_namespace
