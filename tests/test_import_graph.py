"""The import graph of the project's packages has no cycle (issue 22).

The layers themselves are import-linter's contracts (pyproject.toml, `make lint`);
a cycle inside one layer (two services importing each other through a third
module) is what those cannot see, so it is checked here.
"""

import grimp

PACKAGES = ("claims", "sources", "factcheck")


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_the_project_imports_itself_back_through_others():
    graph = grimp.build_graph(
        *PACKAGES, include_external_packages=False, cache_dir=None
    )
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    # A made-up graph: a -> b -> c -> a, and d alone.
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["a", "b", "c"]]
