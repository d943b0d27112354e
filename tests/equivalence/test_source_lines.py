"""Which line creates a sub-module: attribute assignments and container elements, found with `ast`."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

from msmigrate.equivalence.hooks import LayerRecord, SourceLines, pair_layers

MODEL = textwrap.dedent(
    """
    class Sequential:
        def __init__(self, *layers):
            self.layers = {str(index): layer for index, layer in enumerate(layers)}


    class Leaf:
        pass


    class Block:
        def __init__(self):
            self.conv = Leaf()
            self.bn: Leaf = Leaf()


    class Net:
        def __init__(self):
            self.stem = Leaf()
            self.layer1 = Sequential(
                Block(),
                Block(),
            )
            self.add_module("head", Leaf())

        def add_module(self, name, module):
            setattr(self, name, module)
    """
)


def children(obj) -> dict:
    if hasattr(obj, "layers"):
        return obj.layers
    return {name: value for name, value in vars(obj).items() if not name.startswith("_")}


def load(tmp_path, monkeypatch):
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("source_lines_model", path)
    module = importlib.util.module_from_spec(spec)
    # inspect finds a class's file through sys.modules, as for the worker's user modules.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return path, module


def line(text: str, occurrence: int = 1) -> int:
    numbers = [number for number, content in enumerate(MODEL.splitlines(), start=1) if text in content]
    return numbers[occurrence - 1]


def test_lines_of_nested_paths(tmp_path, monkeypatch):
    path, module = load(tmp_path, monkeypatch)
    lines = SourceLines(str(path), children)
    net = module.Net()
    assert lines.line_of(net, "stem") == line("self.stem = Leaf()")
    assert lines.line_of(net, "layer1") == line("self.layer1 = Sequential(")
    # Inside the container: the element's own line, then the Block's attribute.
    assert lines.line_of(net, "layer1.1") == line("Block(),", occurrence=2)
    assert lines.line_of(net, "layer1.1.bn") == line("self.bn: Leaf = Leaf()")
    assert lines.line_of(net, "head") == line('self.add_module("head", Leaf())')
    assert lines.line_of(net, "") == line("class Net:")


def test_unknown_path_falls_back_to_the_deepest_known_line(tmp_path, monkeypatch):
    path, module = load(tmp_path, monkeypatch)
    assert SourceLines(str(path), children).line_of(module.Net(), "layer1.0.missing") == line("Block(),")


def test_layers_pair_by_path_and_call_count_then_by_position():
    torch_records = [LayerRecord("relu", []), LayerRecord("fc", []), LayerRecord("relu", [])]
    ms_records = [LayerRecord("relu", []), LayerRecord("relu", []), LayerRecord("fc", [])]
    pairs = pair_layers(torch_records, ms_records)
    assert [(a.path, b.path) for a, b in pairs] == [("relu", "relu"), ("fc", "fc"), ("relu", "relu")]
    assert pairs[2][1] is ms_records[1]
    renamed = pair_layers([LayerRecord("a", []), LayerRecord("b", [])], [LayerRecord("x", []), LayerRecord("y", [])])
    assert [(a.path, b.path) for a, b in renamed] == [("a", "x"), ("b", "y")]
