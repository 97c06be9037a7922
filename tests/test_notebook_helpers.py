"""glue stores numbers the way myst-nb reads them; show_source shows optlib's own code."""

import inspect

import pytest

import optlib
from optlib import notebook


def test_glue_writes_a_myst_nb_record(monkeypatch):
    shown = []
    monkeypatch.setattr(notebook, "display", lambda data, raw, metadata: shown.append((data, metadata)))
    assert notebook.glue("rate", 0.98019801980198019801) is None
    data, metadata = shown[0]
    assert metadata["scrapbook"] == {"name": "rate", "mime_prefix": "application/papermill.record/"}
    assert data == {"application/papermill.record/text/plain": "0.980198"}


def test_glue_refuses_what_is_not_a_number():
    with pytest.raises(TypeError, match="glue stores numbers"):
        notebook.glue("name", "0.98")


def test_show_source_is_optlib_source_without_the_docstring():
    shown = notebook.show_source(optlib.sgd).data
    body = notebook.source_without_docstring(optlib.sgd)
    assert shown == f"```python\n{body}\n```"
    assert optlib.sgd.__doc__.strip().splitlines()[0] not in body
    assert all(line in inspect.getsource(optlib.sgd) for line in body.splitlines())
