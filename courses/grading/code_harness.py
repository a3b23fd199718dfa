"""The test runner that runs inside the sandbox, beside the student's ``student.py``.

Standard library only, for any Python 3.11: it is copied into the sandbox as a file and
run there by the sandbox's own interpreter, never imported by the platform.

Protocol. stdin: one JSON object ``{"nonce", "mode", "tests", "output_cap"}``.
stdout: one line per event, each ``<nonce> <json>``: first ``{"load": "ok"}`` (or why the
student's code could not be loaded), then ``{"i": n, ...}`` per test as it finishes, so
that a run stopped by a limit still reports the tests it got through. The student's own
prints are captured (and capped), not mixed with these lines.

Modes:
- ``unit``: each test is Python code run in a copy of the student module's namespace;
  it passes unless it raises (``assert`` failing is the usual way).
- ``io``: the student's file runs as a script once per test, with the test's stdin; its
  output is reported for comparison outside.
- ``values``: each test runs optional setup code in a copy of the module's namespace,
  evaluates an expression and reports its value as JSON for comparison outside.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import types
from typing import Any

STUDENT_FILE = "student.py"


class CappedText(io.StringIO):
    """A text buffer that keeps at most ``cap`` characters and remembers it was cut."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.cut = False

    def write(self, text: str) -> int:
        room = self.cap - self.tell()
        if room <= 0:
            self.cut = True
            return len(text)
        if len(text) > room:
            self.cut = True
            super().write(text[:room])
            return len(text)
        return super().write(text)


def emit(nonce: str, event: dict[str, Any]) -> None:
    os.write(1, (nonce + " " + json.dumps(event, allow_nan=False, default=str) + "\n").encode())


def reason(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        return "assertion"
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, RecursionError):
        return "recursion"
    return "exception:" + type(exc).__name__


def as_json(value: Any, depth: int = 0) -> Any:
    """A value as JSON the grader can compare: numbers, text, lists, dicts, numpy and pandas."""
    if depth > 20:
        raise ValueError("nested too deeply")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    kind = type(value).__module__.split(".")[0]
    if kind == "pandas":
        name = type(value).__name__
        if name == "DataFrame":
            split = value.to_dict(orient="split")
            return {
                "dataframe": {
                    "columns": as_json(list(split["columns"]), depth + 1),
                    "index": as_json(list(split["index"]), depth + 1),
                    "data": as_json([list(row) for row in split["data"]], depth + 1),
                }
            }
        if name == "Series":
            return {
                "series": {
                    "index": as_json(list(value.index), depth + 1),
                    "data": as_json(list(value.tolist()), depth + 1),
                }
            }
    if kind == "numpy":
        if hasattr(value, "tolist"):
            return as_json(value.tolist(), depth + 1)
    if isinstance(value, list | tuple):
        return [as_json(entry, depth + 1) for entry in value]
    if isinstance(value, set | frozenset):
        return sorted((as_json(entry, depth + 1) for entry in value), key=repr)
    if isinstance(value, dict):
        return {str(key): as_json(entry, depth + 1) for key, entry in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return as_json(value.item(), depth + 1)
    return {"repr": repr(value)[:200]}


def load_student(source: str) -> types.ModuleType:
    module = types.ModuleType("student")
    module.__file__ = STUDENT_FILE
    sys.modules["student"] = module
    exec(compile(source, STUDENT_FILE, "exec"), module.__dict__)  # noqa: S102 - this is the sandbox
    return module


def run_tests(config: dict[str, Any]) -> None:
    nonce = str(config["nonce"])
    mode = config["mode"]
    cap = int(config.get("output_cap", 10_000))
    with open(STUDENT_FILE, encoding="utf-8") as handle:
        source = handle.read()
    captured = CappedText(cap)
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdin = io.StringIO("")
    sys.stdout = sys.stderr = captured
    try:
        code = compile(source, STUDENT_FILE, "exec")
        module = load_student(source) if mode != "io" else None
    except SyntaxError as exc:
        emit(nonce, {"load": "syntax", "line": exc.lineno, "message": str(exc.msg)[:200]})
        return
    except BaseException as exc:  # noqa: BLE001 - whatever the student's module raises
        emit(nonce, {"load": reason(exc)})
        return
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    emit(nonce, {"load": "ok"})
    for number, test in enumerate(config["tests"]):
        output = CappedText(cap)
        event: dict[str, Any] = {"i": number}
        sys.stdout = sys.stderr = output
        try:
            if mode == "unit":
                namespace = dict(module.__dict__) if module else {}
                exec(compile(test["code"], f"<test {number + 1}>", "exec"), namespace)  # noqa: S102
                event["ok"] = True
            elif mode == "io":
                sys.stdin = io.StringIO(test.get("stdin", ""))
                try:
                    exec(code, {"__name__": "__main__", "__file__": STUDENT_FILE})  # noqa: S102
                except SystemExit as exc:
                    if exc.code not in (None, 0):
                        raise
                event["stdout"] = output.getvalue()
                event["cut"] = output.cut
            else:
                namespace = dict(module.__dict__) if module else {}
                if test.get("setup"):
                    exec(compile(test["setup"], f"<setup {number + 1}>", "exec"), namespace)  # noqa: S102
                value = eval(compile(test["expr"], f"<test {number + 1}>", "eval"), namespace)  # noqa: S307
                event["value"] = as_json(value)
        except BaseException as exc:  # noqa: BLE001 - a failing test is a result, not a crash
            event["ok"] = False
            event["reason"] = reason(exc)
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
            sys.stdin = io.StringIO("")
        try:
            emit(nonce, event)
        except ValueError:
            emit(nonce, {"i": number, "ok": False, "reason": "value"})


def main() -> None:
    config = json.loads(sys.stdin.read())
    run_tests(config)


if __name__ == "__main__":
    main()
