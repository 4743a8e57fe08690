"""environment.yml (conda) lists the same dependencies, with the same specifiers, as pyproject.toml."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    return {r.name.lower(): r.specifier for r in reqs}


def conda_requirements(text):
    env = yaml.safe_load(text)
    assert isinstance(env, dict), "environment.yml must be a mapping"
    assert env.get("name") == "labkit", "environment.yml must name the environment 'labkit'"
    assert "conda-forge" in env.get("channels", []), "environment.yml must use conda-forge"
    out = {}
    for dep in env["dependencies"]:
        assert isinstance(dep, str), f"unexpected entry in dependencies: {dep!r}"
        name, _, spec = dep.partition(" ")
        if name.startswith("python") or name == "pip":
            continue
        out[name.lower()] = SpecifierSet(spec.replace(" ", ""))
    return out


def test_environment_yml_agrees_with_pyproject():
    assert conda_requirements((ROOT / "environment.yml").read_text()) == pyproject_requirements()


def test_a_disagreement_would_be_caught():
    """The comparison notices a changed specifier and a missing package."""
    text = (ROOT / "environment.yml").read_text()
    assert conda_requirements(text.replace("pandas >=2.2", "pandas >=1.0")) != pyproject_requirements()
    assert conda_requirements(text.replace("  - simpy >=4.1,<5\n", "")) != pyproject_requirements()
