"""Every ``>>>`` example in the docstrings of annotations, evaluators and locbench runs (as
``python -m pytest --doctest-modules annotations evaluators locbench`` would), one test per module;
modules that need torch / OpenCV are skipped when those are not installed."""
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("annotations", "evaluators", "locbench")
SKIP = {"locbench.__main__"}  # runs the CLI when imported
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules():
    names = []
    for package in PACKAGES:
        names.append(package)
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=package + "."):
            if info.name not in SKIP:
                names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] in ("torch", "torchvision", "cv2"):
            pytest.skip(f"{name} needs {e.name}")
        raise
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    if not tests:
        return
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    for t in tests:
        runner.run(t)
    assert runner.failures == 0, f"{runner.failures} failing example(s) in {name} (run pytest --doctest-modules {name.replace('.', '/')}.py)"
