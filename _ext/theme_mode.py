"""Give pydata-sphinx-theme a colour mode on a reader's first visit.

The theme's inline script copies the saved mode from ``localStorage``, which
is empty on a first visit, and then logs "Got invalid theme mode" to the
console on every page. Defaulting the empty mode to "auto" (the theme's own
fallback) before the theme reads it keeps the console clean, which the
book's browser test requires.
"""

DEFAULT_MODE = ('if (!document.documentElement.dataset.mode) {'
                ' document.documentElement.dataset.mode = "auto"; }')


def setup(app):
    app.add_js_file(None, body=DEFAULT_MODE, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
