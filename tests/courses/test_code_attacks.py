"""The attack suite: hostile student code through the whole grading path, in the real sandbox.

Each attack is a student's module with an ``attack()`` function and a hidden test that passes
only if the attack worked. Every one must score 0, with the reason the sandbox gives, while
the app keeps answering ``/healthz``. Each case's id names what stops it. Every run is bounded
(1 s of CPU, 3 s of wall time, 128 MB), so no attack can harm the machine.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale

from courses import sandbox
from courses.grading import code
from courses.sandbox import execution
from courses.sandbox.profiles import get_profile
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"cpu_seconds": 1, "wall_seconds": 3, "memory_mb": 128, "output_bytes": 64 * 1024}
SECRET = "attack-suite-secret-" + "x" * 12

pytestmark = pytest.mark.skipif(
    sandbox.detect_level().rank < sandbox.Level.BUBBLEWRAP.rank and not IN_CI,
    reason="the attack suite needs the bubblewrap level (under CI=true it must have it)",
)


def grade(
    source: str, test: str = "assert attack()", level: sandbox.Level | None = None
) -> tuple[float, list[str], str]:
    """Grade the source as a one-test code item, the way the task does; (score, feedback, outcome).

    ``level`` forces a sandbox level (bubblewrap without cgroups, say); by default, the detected one.
    """
    # An example (visible), so the feedback names the built-in exception that stopped the attack.
    spec = {"mode": "unit", "limits": LIMITS, "tests": [{"name": "attack", "visible": True, "code": test}]}
    return grade_in_sandbox(spec, source, level)


def grade_in_sandbox(
    spec: dict[str, Any], source: str, level: sandbox.Level | None = None
) -> tuple[float, list[str], str]:
    """Run a code item's tests on the source in the real sandbox and score them, in English."""
    job = code.job(spec, source)
    limits = sandbox.Limits(**code.limits(spec))
    if level is None:
        minimum = sandbox.Level.BUBBLEWRAP
        run = sandbox.run(job.files, ["harness.py"], stdin=job.stdin, limits=limits, profile="python", minimum=minimum)
    else:
        run = execution.execute(level, get_profile("python"), job.files, ["harness.py"], job.stdin, limits)
    with force_locale("en"):
        result = code.score(spec, run.stdout, job.nonce, str(run.outcome))
        return result.score, [str(line) for line in result.feedback], str(run.outcome)


def _listening_port() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server, server.getsockname()[1]


def connect_to(port: int) -> str:
    return (
        "import socket\ndef attack():\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n    return True\n"
    )


ATTACKS: list[tuple[str, str, str, str]] = [
    # (id: what is tried — what stops it, source, hidden test, expected reason)
    (
        "read /etc/passwd — mount namespace",
        "def attack():\n    return open('/etc/passwd').read()\n",
        "assert attack()",
        "raised FileNotFoundError",
    ),
    (
        "read the app's database file — mount namespace",
        f"def attack():\n    return open({str(ROOT / 'instance' / 'lms.sqlite')!r}, 'rb').read(16)\n",
        "assert attack()",
        "raised FileNotFoundError",
    ),
    (
        "list instance/ — mount namespace",
        f"import os\ndef attack():\n    return os.listdir({str(ROOT / 'instance')!r})\n",
        "assert attack() is not None",
        "raised FileNotFoundError",
    ),
    (
        "read the config — mount namespace",
        f"def attack():\n    return open({str(ROOT / 'lms' / 'config.py')!r}).read()\n",
        "assert attack()",
        "raised FileNotFoundError",
    ),
    (
        "read an environment secret of the worker — cleared environment",
        "import os\ndef attack():\n    return os.environ.get('LMS_SECRET_KEY', '')\n",
        f"assert attack() == {SECRET!r}",
        "the value is not the expected one",
    ),
    (
        "read /proc/1/environ — PID namespace",
        "def attack():\n    return open('/proc/1/environ', 'rb').read()\n",
        f"assert {SECRET!r}.encode() in attack()",
        "the value is not the expected one",
    ),
    (
        "connect to PostgreSQL on 127.0.0.1:5432 — network namespace",
        connect_to(5432),
        "assert attack()",
        "raised ConnectionRefusedError",
    ),
    (
        "connect to Redis on 127.0.0.1:6379 — network namespace",
        connect_to(6379),
        "assert attack()",
        "raised ConnectionRefusedError",
    ),
    (
        "connect to a Unix socket (PostgreSQL's) — mount namespace",
        "import socket\ndef attack():\n    s = socket.socket(socket.AF_UNIX)\n"
        "    s.connect('/var/run/postgresql/.s.PGSQL.5432')\n    return True\n",
        "assert attack()",
        "raised FileNotFoundError",
    ),
    (
        "fork bomb — pids cgroup and time limits",
        "import os\ndef attack():\n    while True:\n        try:\n            os.fork()\n"
        "        except OSError:\n            pass\n",
        "attack()",
        "time limit reached",
    ),
    (
        "allocate 4 GiB — memory limit",
        "def attack():\n    return bytearray(4 * 1024 ** 3)\n",
        "assert attack()",
        "memory limit reached",
    ),
    (
        "write 1 GiB — file size limit",
        "def attack():\n    with open('big', 'wb') as f:\n        for _ in range(1024):\n"
        "            f.write(b'x' * 1024 ** 2)\n    return True\n",
        "assert attack()",
        "raised OSError",
    ),
    (
        "infinite loop — CPU time limit",
        "def attack():\n    while True:\n        pass\n",
        "attack()",
        "time limit reached",
    ),
    (
        "sleep forever — wall time limit",
        "import time\ndef attack():\n    time.sleep(10 ** 6)\n",
        "attack()",
        "time limit reached",
    ),
    (
        "print 100 MB — output limit",
        "import os\ndef attack():\n    for _ in range(100):\n        os.write(1, b'x' * 1024 ** 2)\n    return True\n",
        "assert attack()",
        "output limit reached",
    ),
    (
        "kill the parent — PID namespace",
        "import os, signal\ndef attack():\n    parent = os.getppid()\n"
        "    try:\n        os.kill(parent, signal.SIGKILL)\n"
        "    except OSError:\n        return False\n    try:\n        os.kill(parent, 0)\n        return False\n"
        "    except OSError:\n        return True\n",
        "assert attack()",
        "the value is not the expected one",
    ),
    (
        "fork with ctypes — pids cgroup and time limits",
        "import ctypes\ndef attack():\n    libc = ctypes.CDLL(None)\n    while True:\n        libc.fork()\n",
        "attack()",
        "time limit reached",
    ),
]


@pytest.fixture
def secret_in_the_environment(monkeypatch):
    monkeypatch.setenv("LMS_SECRET_KEY", SECRET)


# Each attack at the detected level and at the bubblewrap level without cgroups: namespaces and
# rlimits alone must stop every one (a fork bomb by RLIMIT_NPROC inside the run's user namespace).
LEVELS = {"detected level": None, "bubblewrap without cgroups": sandbox.Level.BUBBLEWRAP}


@pytest.mark.parametrize("level", list(LEVELS.values()), ids=list(LEVELS))
@pytest.mark.parametrize(
    ("source", "test", "reason"), [case[1:] for case in ATTACKS], ids=[case[0] for case in ATTACKS]
)
def test_the_attack_scores_zero_with_the_reason_while_the_app_answers(
    app, client, secret_in_the_environment, source, test, reason, level
):
    if level is not None and "fork" in source and not execution.nproc_counts_per_namespace():
        pytest.skip("before Linux 5.14 only a pids cgroup bounds a fork bomb; not forced without one")
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.update(result=grade(source, test, level)))
    started = time.monotonic()
    worker.start()
    answers = []
    while worker.is_alive():
        asked = time.monotonic()
        answers.append((client.get("/healthz").status_code, time.monotonic() - asked))
        time.sleep(0.2)
    worker.join()
    score, feedback, _run = outcome["result"]
    assert score == 0, feedback
    assert any(reason in line for line in feedback), feedback
    assert time.monotonic() - started < 10
    assert all(status == 200 and seconds < 2 for status, seconds in answers), answers


def test_connecting_to_the_apps_own_port_fails(app):
    server, port = _listening_port()
    try:
        score, feedback, _run = grade(connect_to(port))
    finally:
        server.close()
    assert score == 0 and re.search(r"raised (OSError|ConnectionRefusedError)", feedback[0]), feedback


def test_a_daemon_does_not_outlive_the_run(app):
    marker = "lms-attack-daemon-" + os.urandom(4).hex()
    source = (
        "import os, time\ndef attack():\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
        "            os.execv('/usr/bin/python3',\n"
        f"                     ['/usr/bin/python3', '-c', 'import time; time.sleep(60)', {marker!r}])\n"
        "        os._exit(0)\n    time.sleep(0.2)\n    return False\n"
    )
    score, feedback, _run = grade(source)
    assert score == 0 and feedback[0] == "Example 1 (attack): failed, the value is not the expected one"
    time.sleep(0.2)
    survivors = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                survivors.append(entry.name)
        except OSError:
            continue
    assert survivors == []


def test_files_left_behind_are_gone_for_the_next_run(app):
    leave = (
        "def attack():\n    for path in ('left.txt', '/tmp/left.txt', '/dev/shm/left.txt'):\n"
        "        try:\n            open(path, 'w').write('hello')\n        except OSError:\n            pass\n"
        "    return False\n"
    )
    assert grade(leave)[0] == 0
    look = (
        "import os\ndef attack():\n"
        "    return any(os.path.exists(p) for p in ('left.txt', '/tmp/left.txt', '/dev/shm/left.txt'))\n"
    )
    score, feedback, _run = grade(look)
    assert score == 0 and feedback[0] == "Example 1 (attack): failed, the value is not the expected one"


def test_four_gradings_at_once_do_not_interfere(app):
    sources = [
        f"def attack():\n    open('mine.txt', 'w').write('{n}')\n    return open('mine.txt').read()\n" for n in range(4)
    ]
    results: dict[int, Any] = {}
    threads = [
        threading.Thread(target=lambda n=n: results.update({n: grade(sources[n], f"assert attack() == '{n}'")}))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[n][0] for n in range(4)] == [1.0, 1.0, 1.0, 1.0], results
