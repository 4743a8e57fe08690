"""labkit never runs what it reads: no eval or exec, no pickle, marshal or shelve, no YAML loader that builds
objects, anywhere in its source. Checked on the syntax tree, so a comment or a string saying "eval" is
not a finding and an aliased import is."""

import ast

from tests.lab import ROOT

CODE_RUNNERS = {"eval", "exec", "compile", "__import__"}
"""Builtins that turn text into running code."""
OBJECT_LOADERS = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
"""Modules whose loading builds arbitrary objects from bytes."""
UNSAFE_YAML = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
"""yaml functions that can build objects (``yaml.load`` does unless given a safe loader)."""
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
PICKLE_READERS = {"read_pickle", "from_pickle"}
"""pandas and friends: methods that unpickle a file."""


def findings(source, name="<source>"):
    """Every unsafe call or import in ``source``, as ``name:line: what``, in line order."""
    found = []

    def add(node, what):
        found.append((node.lineno, f"{name}:{node.lineno}: {what}"))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for module in modules:
                if module.split(".")[0] in OBJECT_LOADERS:
                    add(node, f"imports {module}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in CODE_RUNNERS:
                add(node, f"calls {func.id}")
            elif isinstance(func, ast.Attribute):
                if func.attr in PICKLE_READERS:
                    add(node, f"calls {func.attr}")
                if func.attr in UNSAFE_YAML and _is_yaml(func.value) and not _safe_loader(node):
                    add(node, f"calls yaml.{func.attr} without a safe loader")
            for keyword in node.keywords:
                if keyword.arg == "allow_pickle" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    add(node, "allows pickle")
    return [text for _, text in sorted(found)]


def _is_yaml(value):
    return isinstance(value, ast.Name) and value.id in {"yaml", "ruamel"}


def _safe_loader(call):
    loaders = [k.value for k in call.keywords if k.arg == "Loader"] + call.args[1:2]
    return any(
        (isinstance(v, ast.Attribute) and v.attr in SAFE_YAML_LOADERS)
        or (isinstance(v, ast.Name) and v.id in SAFE_YAML_LOADERS)
        for v in loaders
    )


def test_labkit_source_has_no_unsafe_loading():
    """Every module of labkit/ is clean."""
    modules = sorted((ROOT / "labkit").rglob("*.py"))
    assert len(modules) > 50
    found = [f for path in modules for f in findings(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_scan_finds_each_kind_and_ignores_words():
    """The scanner is not blind: each unsafe form is found once, comments and strings are not."""
    source = """
import pickle
import marshal as m
from shelve import open as shelf
import yaml
import numpy as np
import pandas as pd
# eval(x) in a comment, and "exec(y)" in a string, are not calls
eval(text)
exec(text)
compile(text, "f", "exec")
yaml.load(text)
yaml.load(text, Loader=yaml.SafeLoader)
yaml.safe_load(text)
yaml.unsafe_load(text)
pd.read_pickle(path)
np.load(path, allow_pickle=True)
np.load(path, allow_pickle=False)
"""
    assert [f.split(": ", 1)[1] for f in findings(source)] == [
        "imports pickle",
        "imports marshal",
        "imports shelve",
        "calls eval",
        "calls exec",
        "calls compile",
        "calls yaml.load without a safe loader",
        "calls yaml.unsafe_load without a safe loader",
        "calls read_pickle",
        "allows pickle",
    ]
    assert findings("x = 1", "f.py") == []
