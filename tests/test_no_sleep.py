"""No test synchronises by sleeping: a sleep either wastes time or, on a loaded machine,
is too short and the test flakes. Tests wait on the condition they need with
fixtures_base.wait_until. This reads every module under tests/ (its syntax tree, so words
in docstrings do not count) and fails on any sleep outside the allow-list below.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# (module, enclosing function) → why a sleep is right there. Keep this list short.
ALLOWED = {
    ("fixtures_base.py", "wait_until"): "the pause between two polls of the condition",
}
# time.sleep, asyncio.sleep, a bare sleep() after `from time import sleep`, and
# Playwright's page.wait_for_timeout, which is a sleep by another name.
SLEEPS = {"sleep", "wait_for_timeout"}


def _sleeps(path: Path) -> list[tuple[str, int, str]]:
    """(enclosing function, line, call) of every sleep call or sleep import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            scope = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                scope = child.name
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in SLEEPS:
                    found.append((scope, child.lineno, ast.unparse(func)))
            if isinstance(child, ast.ImportFrom) and any(a.name in SLEEPS for a in child.names):
                found.append((scope, child.lineno, f"from {child.module} import sleep"))
            visit(child, scope)

    visit(tree, "<module>")
    return found


def test_no_test_sleeps_to_synchronise() -> None:
    offending = [
        f"tests/{path.name}:{line}: {call}() in {function}"
        for path in sorted(TESTS.rglob("*.py"))
        for function, line, call in _sleeps(path)
        if (path.name, function) not in ALLOWED
    ]
    assert offending == [], (
        "wait on a condition (fixtures_base.wait_until) instead of sleeping:\n"
        + "\n".join(offending)
    )


def test_every_allowed_sleep_is_still_there() -> None:
    """An allow-list entry whose sleep is gone would silently permit a new one."""
    present = {(path.name, f) for path in TESTS.rglob("*.py") for f, _, _ in _sleeps(path)}
    assert set(ALLOWED) <= present, set(ALLOWED) - present


def test_the_check_sees_every_form_of_sleep(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        '"""time.sleep(1) in a docstring is fine."""\n'
        "import asyncio, time\n"
        "from time import sleep\n"
        "def a():\n    time.sleep(0.1)\n"
        "async def b():\n    await asyncio.sleep(0)\n"
        "def c(page):\n    sleep(1)\n    page.wait_for_timeout(500)\n",
        encoding="utf-8",
    )
    assert [(f, line) for f, line, _ in _sleeps(probe)] == [
        ("<module>", 3),
        ("a", 5),
        ("b", 7),
        ("c", 9),
        ("c", 10),
    ]
