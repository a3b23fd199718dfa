"""The layout's rules (STYLE.md), checked."""

import ast
import functools
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.db import db
from lms.queue import init_queue
from lms.security import SecurityHeaders
from tests.conftest import make_test_app

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["lms", "courses", "certificates", "accelerator", "analytics"]
REQUEST_GLOBALS = {"request", "session", "g", "current_user"}


def service_modules():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT / package)
            if relative.parts[0] in ("services", "services.py") or relative.name == "services.py":
                yield path


def test_there_are_services_to_check():
    assert len(list(service_modules())) >= 4


@pytest.mark.parametrize("path", list(service_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_services_never_import_request_globals(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login", "flask.globals"):
            imported = {alias.name for alias in node.names}
            assert not imported & REQUEST_GLOBALS, f"{path.name} imports {imported & REQUEST_GLOBALS}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask":
            assert node.attr not in REQUEST_GLOBALS, f"{path.name} uses flask.{node.attr}"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_alone_and_is_ours(package):
    code = f"import {package}, os; print(os.path.dirname({package}.__file__))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == ROOT / package


def test_nothing_imports_analytics():
    """Only the app factory loads analytics (its models, tasks, commands and pages), inside ``create_app``'s
    helpers as it loads every feature; no other code of any package may depend on it."""
    factory = ROOT / "lms" / "app.py"
    for package in PACKAGES:
        if package == "analytics":
            continue
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            nodes = ast.walk(tree)
            if path == factory:
                # Function bodies only: the factory never imports a feature at module level.
                nodes = (n for top in tree.body if not isinstance(top, ast.FunctionDef) for n in ast.walk(top))
            for node in nodes:
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                assert not any(n == "analytics" or n.startswith("analytics.") for n in names), path


def test_core_never_imports_features_at_module_level():
    """lms may load features only inside create_app (function scope)."""
    for path in (ROOT / "lms").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"courses", "certificates", "accelerator", "analytics"}, path


def test_no_logic_in_package_init_files():
    for package in PACKAGES:
        tree = ast.parse((ROOT / package / "__init__.py").read_text())
        for node in tree.body:
            assert isinstance(node, ast.Import | ast.ImportFrom | ast.Expr | ast.Assign), (package, ast.dump(node))
            if isinstance(node, ast.Assign):
                assert [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]


# --- Private names of the frameworks -------------------------------------------------------------------------
#
# A framework's private names (``_cv_app``, ``limiter._check_request_limit``, Flask-Login's ``session["_user_id"]``)
# change in any release without notice: code that reaches for them breaks on an upgrade, or worse keeps running
# with a different meaning. Project code uses the frameworks' public API only.

LIBRARIES = ("flask", "werkzeug", "flask_login", "flask_wtf", "flask_limiter", "flask_babel", "sqlalchemy")
#: The libraries whose session and ``g`` keys are theirs alone.
SESSION_KEY_LIBRARIES = ("flask", "flask_login", "flask_wtf", "flask_babel")
#: Known private session and ``g`` keys, in case a release stops spelling one where the derivation looks.
KNOWN_PRIVATE_KEYS = frozenset(
    {
        "_user_id",
        "_fresh",
        "_id",
        "_remember",
        "_remember_seconds",
        "_flashes",
        "_flask_babel",
        "_login_user",
        "_permanent",
    }
)
#: Public API spelled with a leading underscore so as not to clash with field or column names: named tuples'
#: methods and SQLAlchemy's ``Row`` (documented as public: ``row._mapping``, ``row._asdict()``, ``row._t``).
PUBLIC_UNDERSCORE_API = frozenset(
    {"_asdict", "_replace", "_fields", "_make", "_field_defaults", "_mapping", "_t", "_tuple"}
)
PROJECT_SOURCES = [*PACKAGES, "wsgi.py", "benchmarks", "scripts", "tests"]
KEY_METHODS = {"get", "pop", "setdefault"}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}
#: The receivers a library's own session and ``g`` keys are read and written on.
SESSION_RECEIVERS = {"session", "sess", "g"}


def is_private(name: str) -> bool:
    """``_x`` and ``__x``, not ``_`` (gettext's conventional name) nor a dunder."""
    return name.startswith("_") and name.strip("_") != "" and not (name.startswith("__") and name.endswith("__"))


def _constant_string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _receiver_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def defined_names(tree: ast.AST, *, any_object: bool) -> set[str]:
    """The private names a module defines: functions, classes, assignment targets, ``__slots__``, ``setattr``.

    With ``any_object``, an attribute assigned on any object counts (a library sets its own private attributes
    on its objects, ``g._flask_babel = …`` included). Without, only on ``self`` and ``cls``: project code
    that assigns a library object's private attribute uses that name, it does not define it.
    """
    names: set[str] = set()

    def own(target: ast.AST) -> bool:
        return any_object or (isinstance(target, ast.Name) and target.id in ("self", "cls"))

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and own(node.value):
            names.add(node.attr)
        elif isinstance(node, ast.alias) and any_object and node.asname:
            names.add(node.asname)  # `import typing as _typing`: a module attribute of the library's
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets
        ):
            entries = node.value.elts if isinstance(node.value, ast.Tuple | ast.List | ast.Set) else [node.value]
            names.update(s for s in map(_constant_string, entries) if s)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
            and own(node.args[0])
            and (name := _constant_string(node.args[1]))
        ):
            names.add(name)
    return {name for name in names if is_private(name)}


def session_keys(tree: ast.AST) -> set[str]:
    """Private string keys a library reads or writes on ``session`` or ``g`` (or on ``self`` in its session class)."""
    keys: set[str] = set()

    def receiver(node: ast.AST, classes: str) -> bool:
        name = _receiver_name(node)
        return name in SESSION_RECEIVERS or (name == "self" and "Session" in classes)

    def visit(node: ast.AST, classes: str) -> None:
        if isinstance(node, ast.ClassDef):
            classes = f"{classes}.{node.name}"
        found: list[str | None] = []
        if isinstance(node, ast.Subscript) and receiver(node.value, classes):
            found.append(_constant_string(node.slice))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in KEY_METHODS and receiver(func.value, classes):
                found.append(_constant_string(node.args[0]))
            if isinstance(func, ast.Name) and func.id in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
                if receiver(node.args[0], classes):
                    found.append(_constant_string(node.args[1]))
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                if isinstance(op, ast.In | ast.NotIn) and receiver(operands[index + 1], classes):
                    found.append(_constant_string(operands[index]))
        keys.update(key for key in found if key and is_private(key))
        for child in ast.iter_child_nodes(node):
            visit(child, classes)

    visit(tree, "")
    return keys


def _library_files(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not an installed package"
    return [
        path
        for location in spec.submodule_search_locations
        for pattern in ("*.py", "*.pyi")
        for path in sorted(Path(location).rglob(pattern))
    ]


@functools.cache
def _library_private() -> tuple[frozenset[str], frozenset[str]]:
    """The private names the libraries define and the private keys they keep in the session and ``g``, read
    from their installed source (parsed once per run; the trees are not kept, SQLAlchemy's alone are large)."""
    names: set[str] = set()
    keys: set[str] = set()
    for package in LIBRARIES:
        for path in _library_files(package):
            tree = ast.parse(path.read_bytes(), str(path))
            names |= defined_names(tree, any_object=True)
            if package in SESSION_KEY_LIBRARIES:
                keys |= session_keys(tree)
    return frozenset(names), frozenset(keys)


def library_private_names() -> frozenset[str]:
    return _library_private()[0]


def library_private_keys() -> frozenset[str]:
    return _library_private()[1] | KNOWN_PRIVATE_KEYS


def project_files() -> list[Path]:
    files: list[Path] = []
    for name in PROJECT_SOURCES:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
    return files


def _key_positions(node: ast.AST) -> list[ast.AST]:
    """Where a string is a key: a subscript, ``.get/.pop/.setdefault``'s first argument, the left of ``in``,
    ``getattr``/``setattr``/``hasattr``/``delattr``'s second argument."""
    if isinstance(node, ast.Subscript):
        return [node.slice]
    if isinstance(node, ast.Call) and node.args:
        if isinstance(node.func, ast.Attribute) and node.func.attr in KEY_METHODS:
            return [node.args[0]]
        if isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
            return [node.args[1]]
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        return [operands[i] for i, op in enumerate(node.ops) if isinstance(op, ast.In | ast.NotIn)]
    return []


def private_uses(tree: ast.AST, ours: set[str] | frozenset[str]) -> list[tuple[int, str]]:
    """(line, name) of each use of a library's private name in ``tree``; names in ``ours`` are the project's."""
    names, keys = library_private_names() - PUBLIC_UNDERSCORE_API, library_private_keys()
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in LIBRARIES and any(map(is_private, parts)):
                    found.add((line, alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            parts = node.module.split(".")
            if parts[0] in LIBRARIES:
                if any(map(is_private, parts)):
                    found.add((line, node.module))
                found.update((line, f"{node.module}.{a.name}") for a in node.names if is_private(a.name))
        elif isinstance(node, ast.Attribute) and node.attr in names and node.attr not in ours:
            found.add((line, node.attr))
        for position in _key_positions(node):
            key = _constant_string(position)
            if key in keys:
                found.add((line, repr(key)))
            elif key in names and key not in ours and isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                found.add((line, key))  # getattr(x, "_name") is x._name
    return sorted(found)


@functools.cache
def _project_trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_bytes(), str(path)) for path in project_files()}


def test_the_private_name_check_catches_each_kind():
    """The checker finds each kind of use in small sources, and nothing in code that only looks alike."""
    for source, expected in [
        ("from flask.globals import _cv_app", "flask.globals._cv_app"),
        ("from flask_login.utils import _create_identifier", "flask_login.utils._create_identifier"),
        ("from flask_limiter._extension import Limiter", "flask_limiter._extension"),
        ("import sqlalchemy.orm._x", "sqlalchemy.orm._x"),
        ("from sqlalchemy.orm import _y", "sqlalchemy.orm._y"),
        ("limiter._check_request_limit(True)", "_check_request_limit"),
        ("login_manager._session_identifier_generator()", "_session_identifier_generator"),
        ("compiled.statement._for_update_arg", "_for_update_arg"),
        ("app = current_app._get_current_object()", "_get_current_object"),
        ("babel = g._flask_babel", "_flask_babel"),
        ("getattr(context, '_is_server_side', False)", "_is_server_side"),
        ("session['_user_id'] = 1", "'_user_id'"),
        ("x = g.get('_flask_babel')", "'_flask_babel'"),
        ("fresh = session.pop('_fresh', None)", "'_fresh'"),
        ("waiting = '_flashes' in session", "'_flashes'"),
        ("user = getattr(g, '_login_user', None)", "'_login_user'"),
        ("permanent = data.setdefault('_permanent', False)", "'_permanent'"),
    ]:
        tree = ast.parse(source)
        assert [name for _line, name in private_uses(tree, defined_names(tree, any_object=False))] == [expected], source

    clean = (
        "import threading\n"
        "from flask import g, session\n"
        "from flask_babel import _\n"
        "from sqlalchemy.orm import Session\n"
        "class Cache:\n"
        "    def __init__(self):\n"
        "        self._lock = threading.Lock()\n"
        "    def get(self, row):\n"
        "        with self._lock:\n"
        "            return row._mapping, self.__class__\n"
        "session['user_id'] = g.get('locale')\n"
        "print(_('Hello'), '_user_id', {'_fresh': True})\n"
    )
    assert "_lock" in library_private_names()  # so the clean source proves the project's own names are left alone
    assert {"_user_id", "_flashes", "_flask_babel", "_login_user", "_permanent"} <= _library_private()[1]
    tree = ast.parse(clean)
    assert private_uses(tree, defined_names(tree, any_object=False)) == []


def test_no_private_names_of_the_frameworks():
    trees = _project_trees()
    ours = set().union(*(defined_names(tree, any_object=False) for tree in trees.values()))
    findings = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path, tree in trees.items()
        for line, name in private_uses(tree, ours)
    ]
    assert not findings, "private names of the frameworks in use:\n" + "\n".join(findings)


# --- What stands between the WSGI server and Flask ---------------------------------------------------------------
#
# Every request goes through Flask's own request cycle (its hooks, error handlers, sessions, Flask-Login), with
# only the middleware named here around it: code that answers before Flask, or a Flask that changes how Flask
# dispatches, is a second framework to keep in step with the first.

#: Allowed middleware, and the attribute each keeps the application it wraps in.
ALLOWED_MIDDLEWARE: dict[type, str] = {ProxyFix: "app", SecurityHeaders: "wsgi_app"}
DISPATCH_METHODS = (
    "wsgi_app",
    "ensure_sync",
    "full_dispatch_request",
    "dispatch_request",
    "preprocess_request",
    "process_response",
)


@pytest.mark.parametrize(
    "overrides", [{}, {"PROXY_COUNT": 1, "FORCE_HTTPS": True}], ids=["default", "behind-a-proxy-https"]
)
def test_only_allowed_middleware_around_flask(app, tmp_path, overrides):
    built = make_test_app("sqlite:///" + str(tmp_path / "x.sqlite"), **overrides)
    try:
        problems = [
            f"{cls.__module__}.{cls.__qualname__} overrides Flask.{name}"
            for name in DISPATCH_METHODS
            for cls in type(built).__mro__[: type(built).__mro__.index(Flask)]
            if name in vars(cls)
        ]
        layer, layers = built.wsgi_app, []
        while not (getattr(layer, "__self__", None) is built and getattr(layer, "__func__", None) is Flask.wsgi_app):
            kind = type(layer)
            if kind not in ALLOWED_MIDDLEWARE:
                problems.append(f"{kind.__module__}.{kind.__qualname__} wraps the app, inside {layers or 'nothing'}")
                break
            layers.append(kind.__name__)
            layer = getattr(layer, ALLOWED_MIDDLEWARE[kind])
        else:
            if ("ProxyFix" in layers) != bool(overrides.get("PROXY_COUNT")):
                problems.append(f"ProxyFix is where it should not be, or missing: {layers}")
        assert not problems, "\n".join(["between the WSGI server and Flask's own request cycle:", *problems])
        assert type(built).wsgi_app is Flask.wsgi_app
    finally:
        with built.app_context():
            db.engine.dispose()
        init_queue(app)  # creating an app rebinds the process's task queue
