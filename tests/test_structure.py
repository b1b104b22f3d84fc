"""The layers import one way: no import cycle between the packages of bot/ and storage/.

Every import is counted, including those inside functions (a lazy import is still a
dependency: it only hides the cycle until run time). Modules are grouped into units: each
sub-package of bot/ (bot.discord_bot, bot.service, ...), each top-level module of bot/
(bot.runner, bot.pipeline, ...), and storage/ as one.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, known: set[str], name: str | None = None) -> set[str]:
    """Modules of this repository that `path` imports, anywhere in the file."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import mod`
    out = set()
    for module in found:
        while module and module not in known:  # `import bot.match.figures.x` -> nearest module
            module = module.rpartition(".")[0]
        if module:
            out.add(module)
    return out


def unit(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "storage":
        return "storage"
    if len(parts) >= 2 and (ROOT / "bot" / parts[1]).is_dir():
        return f"bot.{parts[1]}"
    return module


def unit_graph() -> dict[str, set[str]]:
    paths = sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("storage/**/*.py")])
    known = {module_name(p) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        source = unit(module_name(path))
        graph.setdefault(source, set())
        for target in imported_modules(path, known):
            if unit(target) != source:
                graph[source].add(unit(target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_lazy_imports_count_as_dependencies(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from bot.runner import run\n    import storage.db\n")
    known = {"bot.runner", "storage.db", "storage"}
    assert imported_modules(source, known, "bot.m") == {"bot.runner", "storage.db"}


def test_no_import_cycle_between_packages() -> None:
    assert cycles(unit_graph()) == []


def test_the_run_layer_depends_on_the_discord_layer_one_way() -> None:
    graph = unit_graph()
    assert "bot.discord_bot" in graph["bot.runner"]  # the runner starts Discord mode
    for run_layer in ("bot.runner", "bot.cli", "bot.__main__"):
        assert run_layer not in graph["bot.discord_bot"], f"bot.discord_bot imports {run_layer}"
    assert "bot.startup" in graph["bot.discord_bot"]
