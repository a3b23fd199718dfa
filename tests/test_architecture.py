"""The layout's rules (STYLE.md), checked."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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
    for package in PACKAGES:
        if package == "analytics":
            continue
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
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
