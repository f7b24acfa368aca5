"""The house rules: imports point down only, with no cycles, and Ray stays in one module.

Every import is read from the source (function-level ones included, since a lazy
import still ties two modules together), so a new upward import fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dreamvideo"
# Lower number = lower layer; a module may import only its own layer or lower ones.
LAYERS = {"errors": 0, "models": 1, "core": 2, "media": 2, "settings": 3, "motion": 3, "progress": 3,
          "failures": 3, "render": 4, "distributed": 5, "live": 6, "usage": 6, "options": 6, "runner": 7, "listings": 8, "cli": 8,
          "studio": 8, "__main__": 9, "__init__": 0, "preset_files": 0}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """dreamvideo modules that ``path`` imports, resolved to module names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("dreamvideo"):
                submodules = {f"{target}.{alias.name}" for alias in node.names} & set(MODULES)
                # ``from . import layout`` imports that module; the package itself is loaded anyway
                found.update(submodules if len(submodules) == len(node.names) else {target, *submodules})
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("dreamvideo"))
    modules = set(MODULES)
    return {m for m in found if m in modules and m != name}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports(path) for name, path in MODULES.items()}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1] if len(parts) > 1 else "__init__", 0)


def test_there_are_no_import_cycles():
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if seen.get(nxt) == 1 and not MODULES[nxt].name == "__init__.py":
                pytest.fail("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for module in sorted(GRAPH):
        if module not in seen:
            visit(module)


def test_imports_point_down_only():
    upward = sorted(f"{a} imports {b}" for a, targets in GRAPH.items() for b in targets
                    if layer(b) > layer(a) and MODULES[b].name != "__init__.py")
    assert not upward, "\n".join(upward)


def test_ray_is_imported_in_one_module_only():
    users = sorted(name for name, path in MODULES.items()
                   if any(isinstance(n, (ast.Import, ast.ImportFrom)) and "ray" in
                          ([a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""])
                          for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))))
    assert users == ["dreamvideo.distributed.ray_backend"]


def test_the_studio_and_the_frame_layout_load_without_torch():
    """The studio reads work folders with ``render.layout`` and starts in a moment: no torch until a render."""
    code = ("import sys, dreamvideo.render.layout\n"
            "assert 'torch' not in sys.modules and 'numpy' not in sys.modules, 'layout'\n"
            "try:\n    import fastapi\nexcept ImportError:\n    sys.exit()\n"
            "import dreamvideo.studio.app\n"
            "assert 'torch' not in sys.modules, 'studio'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


GLOBAL_CALLS = {("warnings", "filterwarnings"), ("warnings", "simplefilter"), ("warnings", "resetwarnings"),
                ("logging", "basicConfig"), ("logging", "disable"), ("logging", "captureWarnings")}


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """Nodes that run on import: the module's statements and what they hold, but no function or class body."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _changes_global_state(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        return ((isinstance(owner, ast.Name) and (owner.id, node.func.attr) in GLOBAL_CALLS)
                or node.func.attr == "setLevel")
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
    return any(isinstance(t, ast.Attribute) for t in targets)  # another module's class or setting patched


def test_importing_changes_no_global_state():
    """Warnings filters, logger levels and patched classes (typer's, PIL's limit) are set where the
    program starts, never on import: a library user, a test or the studio's threads keep their own."""
    found = sorted(f"{name}:{node.lineno}" for name, path in MODULES.items()
                   for node in _module_level(ast.parse(path.read_text(encoding="utf-8")))
                   if _changes_global_state(node))
    assert not found, found
