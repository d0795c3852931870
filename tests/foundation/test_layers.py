"""Lower floors never import upper ones: negotiations, sessions and
agreements import nothing from exports (at the top of a module or inside a
function), and the renderers in exports take the canonical record and
import none of the domain apps."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = ("negotiations", "sessions", "agreements")
# What INSTALLED_APPS loads of exports at start-up: the package and its AppConfig, nothing that renders.
LOADED_AT_SETUP = {"exports", "exports.apps"}


def imported_modules(tree: ast.AST, *, skip_type_checking: bool = False) -> list[tuple[int, str]]:
    """Every module an import statement (or ``importlib.import_module`` /
    ``__import__`` with a literal name) names, with its line; with
    ``skip_type_checking``, leaves out what only ``if TYPE_CHECKING:`` imports."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if skip_type_checking and isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).split(".")[-1] in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def names_package(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def python_files(*apps: str) -> list[Path]:
    files = [path for app in apps for path in sorted((ROOT / app).rglob("*.py"))]
    assert files, "no source files found"
    return files


def test_no_module_of_the_domain_apps_imports_exports():
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files(*DOMAIN_APPS)
        for line, module in imported_modules(ast.parse(path.read_text(), str(path)))
        if names_package(module, ("exports",))
    ]
    assert offending == []


def test_the_walk_sees_imports_inside_functions_and_by_name():
    tree = ast.parse(
        "def f():\n"
        "    from exports import records\n"
        "    import exports.tasks\n"
        "    importlib.import_module('exports.delivery')\n"
    )
    assert [m for _, m in imported_modules(tree) if names_package(m, ("exports",))] == [
        "exports",
        "exports.records",
        "exports.tasks",
        "exports.delivery",
    ]


def test_importing_the_domain_apps_pulls_in_nothing_of_exports(tmp_path):
    """A fresh interpreter, as a worker or a shell starts: django.setup(), then
    each domain app's models, views and api (and every other module of
    theirs); no exports module that renders, verifies, serves or archives is
    loaded."""
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in python_files(*DOMAIN_APPS)
    ]
    for app in DOMAIN_APPS:
        assert {f"{app}.models", f"{app}.views", f"{app}.api"} <= set(modules)
    script = (
        "import importlib, os, sys, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m == 'exports' or m.startswith('exports.'))))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "VERBATIM_VAR_DIR": str(tmp_path)}  # no database is reached: SQLite default
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert loaded <= LOADED_AT_SETUP, f"the domain apps pulled in {sorted(loaded - LOADED_AT_SETUP)}"
    for name in ("records", "renderers", "verification", "delivery", "tasks", "archive", "api", "views"):
        assert f"exports.{name}" not in loaded


def test_the_renderers_import_no_domain_app():
    """Record in, bytes out: exports/renderers.py imports nothing of
    negotiations, sessions or agreements, and at run time nothing of the
    builders either (the Export type is named for type checking only; the
    PDF's character and font helper, exports/pdftext.py, is pure too)."""
    path = ROOT / "exports" / "renderers.py"
    tree = ast.parse(path.read_text(), str(path))
    assert [m for _, m in imported_modules(tree) if names_package(m, DOMAIN_APPS)] == []
    at_run_time = [m for _, m in imported_modules(tree, skip_type_checking=True)]
    # only the PDF's character and font helper, itself pure; never the builders
    assert [m for m in at_run_time if names_package(m, ("exports",)) and m != "exports.pdftext"] == []
    assert "django.conf" in at_run_time  # the walk did see the module's imports
