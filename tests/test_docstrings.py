"""The examples in optlib's docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import optlib

MODULES = ["optlib"] + sorted(f"optlib.{m.name}" for m in pkgutil.iter_modules(optlib.__path__))
# what an import may fail on when there is no display (never a bug of the module)
NO_DISPLAY = ("display", "DISPLAY", "tkinter", "_tkinter", "TclError", "cannot connect to X server")


def import_or_skip(name):
    try:
        return importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - only display problems are skipped
        if any(word in f"{type(error).__name__}: {error}" for word in NO_DISPLAY):
            pytest.skip(f"{name} needs a display: {error}")
        raise


def test_every_module_is_listed():
    assert {"optlib.base", "optlib.optimizers", "optlib.transforms", "optlib.running"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = import_or_skip(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = []
    for test in finder.find(module, name):   # each test runs in a copy of the module globals
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)
