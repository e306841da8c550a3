"""Import structure of the `surveys` package: how the slices depend on each other.

    .venv/bin/python bench/structure.py [--ladder storage,countries,...] [--longest 10]

Reads the source (nothing is imported or run) and prints:
- cross-slice imports (an import in one slice's module of another slice's module), and how many
  of them sit inside a function (usually to dodge an import cycle);
- strongly connected groups of slices (slices that import each other round a loop), counting
  function-local imports and without them;
- folder arrows pointing back up the ladder: slice A imports slice B although B stands above A,
  split into those the layering test allows (from views, commands, demo) and the others;
- files over 400 lines and the longest functions.

A "slice" is a folder of `surveys/`; a module directly in `surveys/` is a unit of its own: the
shared ground (extensions, config, ...) below every slice, or the application's top (the app
factory, the request hooks, the command line) above every slice. The ladder is read from
`surveys/slices.py` (`LADDER`) unless `--ladder` names one. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "surveys"
# Modules directly in surveys/ that stand above every slice: they assemble the application.
TOP_MODULES = frozenset(
    {"__init__", "web", "demo", "cli", "wsgi", "gunicorn_conf", "models", "slices"}
)
# Folders of surveys/ that are no slice: the demo's steps, which use the whole application.
TOP_FOLDERS = frozenset({"demo"})
# Modules of a slice that may import any slice (the layering test's exemption): its pages, its
# commands, its demo, and register.py, which joins the slice to the application.
ANY_LEVEL = frozenset({"views", "commands", "demo", "register"})
LONG_FILE = 400


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports
    target: str  # dotted module imported
    line: int
    in_function: bool
    type_only: bool  # under `if TYPE_CHECKING:` (never runs)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1 and path.parent != PACKAGE:
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def imports_of(path: Path) -> list[Import]:
    """Every import of a `surveys` module in this file, with where it stands."""
    module = module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "surveys":
                        found.append(
                            Import(module, alias.name, child.lineno, in_function, type_only)
                        )
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(child, module, is_package)
                if base.split(".")[0] != "surveys":
                    continue
                targets = {
                    f"{base}.{alias.name}"
                    for alias in child.names
                    if _is_module(f"{base}.{alias.name}")
                }
                if len(targets) < len(child.names):
                    targets.add(base)  # some names are the module's own definitions
                for target in sorted(targets):
                    found.append(Import(module, target, child.lineno, in_function, type_only))
            else:
                inner = in_function or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                )
                guarded = type_only or (
                    isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
                )
                visit(child, inner, guarded)

    visit(tree, False, False)
    return found


def unit_of(module: str) -> str:
    """The slice (folder) a module belongs to, or `name.py` for a module directly in surveys/."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__.py"
    if parts[1] in TOP_FOLDERS:
        return parts[1] + "/"
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return parts[1] + ".py"


def is_slice(unit: str) -> bool:
    return not unit.endswith((".py", "/"))


def level_of(unit: str, ladder: list[str]) -> int:
    """Position on the ladder: ground modules below every slice, top modules above all."""
    if is_slice(unit):
        return ladder.index(unit) + 1 if unit in ladder else len(ladder) + 1
    top = unit.endswith("/") or unit.removesuffix(".py") in TOP_MODULES
    return len(ladder) + 2 if top else 0


def points_up(imp: Import, ladder: list[str]) -> bool:
    """Whether the import reaches a unit standing higher on the ladder than its own."""
    source, target = unit_of(imp.source), unit_of(imp.target)
    if imp.type_only or source == target:
        return False
    return level_of(target, ladder) > level_of(source, ladder)


def is_any_level(module: str) -> bool:
    """A slice's views, commands, demo or register module: these may import any slice."""
    parts = module.split(".")
    return len(parts) > 2 and parts[-1] in ANY_LEVEL


def ladder_violations(imports: list[Import], ladder: list[str]) -> list[Import]:
    """Imports of a slice above the importing module's own, from a module that may not."""
    return [imp for imp in imports if points_up(imp, ladder) and not is_any_level(imp.source)]


def all_imports() -> list[Import]:
    return [imp for path in source_files() for imp in imports_of(path)]


def unit_edges(imports: list[Import]) -> dict[str, set[str]]:
    """Unit -> the other units it imports (imports that only serve type checking left out)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        if imp.type_only:
            continue
        source, target = unit_of(imp.source), unit_of(imp.target)
        if source != target:
            edges[source].add(target)
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of two or more units that reach each other (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    nodes = sorted(set(edges) | {t for targets in edges.values() for t in targets})

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in nodes:
        if node not in index:
            connect(node)
    return sorted(groups, key=len, reverse=True)


def read_ladder() -> list[str]:
    """`LADDER` from surveys/slices.py, read as text (the package is not imported)."""
    path = PACKAGE / "slices.py"
    if not path.is_file():
        return []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "LADDER" for t in targets):
                return list(ast.literal_eval(node.value))
    return []


def functions_by_length(paths: list[Path]) -> list[tuple[int, str]]:
    lengths = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{path.relative_to(ROOT)}:{node.name}"
                lengths.append((node.end_lineno - node.lineno + 1, where))
    return sorted(lengths, key=lambda item: (-item[0], item[1]))


def report(ladder: list[str], longest: int) -> None:
    paths = source_files()
    imports = all_imports()
    cross = [
        imp
        for imp in imports
        if is_slice(unit_of(imp.source))
        and is_slice(unit_of(imp.target))
        and unit_of(imp.source) != unit_of(imp.target)
    ]
    in_functions = [imp for imp in cross if imp.in_function]
    print(f"cross-slice imports: {len(cross)} ({len(in_functions)} inside functions)")
    for imp in in_functions:
        print(f"  in a function: {imp.source}:{imp.line} -> {imp.target}")

    slices = sorted({unit_of(m) for m in map(module_name, paths) if is_slice(unit_of(m))})
    print(f"slices: {len(slices)}")
    lower = [imp for imp in imports if not is_any_level(imp.source)]
    for label, chosen in (
        ("counting function-local imports", imports),
        ("module-level imports only", [imp for imp in imports if not imp.in_function]),
        ("leaving out views, commands, demo and register", lower),
    ):
        groups = strongly_connected(unit_edges(chosen))
        print(f"strongly connected groups, {label}: {len(groups)}")
        for group in groups:
            print(f"  {len(group)}: {', '.join(group)}")

    print("ladder (bottom up): " + (", ".join(ladder) if ladder else "(none)"))
    unplaced = [name for name in slices if name not in ladder]
    if ladder and unplaced:
        print(f"  slices not on the ladder (counted at its top): {', '.join(unplaced)}")
    arrows: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in imports:
        if points_up(imp, ladder):
            arrows[unit_of(imp.source), unit_of(imp.target)].append(imp)
    allowed = {
        pair: found for pair, found in arrows.items() if not ladder_violations(found, ladder)
    }
    print(
        f"folder arrows pointing back up: {len(arrows)} "
        f"({len(allowed)} only from views, commands or demo; {len(arrows) - len(allowed)} others)"
    )
    for (source, target), found in sorted(arrows.items()):
        kind = "allowed" if (source, target) in allowed else "UP"
        modules = sorted({f"{imp.source}:{imp.line}" for imp in found})
        print(f"  {kind:7} {source} -> {target}: {', '.join(modules)}")

    sizes = sorted(
        ((len(path.read_text(encoding="utf-8").splitlines()), path) for path in paths),
        reverse=True,
    )
    long_files = [(lines, path) for lines, path in sizes if lines > LONG_FILE]
    print(f"files over {LONG_FILE} lines: {len(long_files)}")
    for lines, path in long_files:
        print(f"  {lines:5} {path.relative_to(ROOT)}")
    print(f"longest functions (lines, {longest}):")
    for lines, where in functions_by_length(paths)[:longest]:
        print(f"  {lines:5} {where}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ladder", help="slices from the bottom up, comma-separated")
    parser.add_argument("--longest", type=int, default=10, help="how many functions to list")
    args = parser.parse_args()
    ladder = args.ladder.split(",") if args.ladder else read_ladder()
    report(ladder, args.longest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
