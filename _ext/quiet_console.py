"""Keep the browser console of every page clean (the book's browser test requires it).

Two sources of console errors come with the theme and extensions, not with the book:

- pydata-sphinx-theme copies the saved colour mode from ``localStorage``, which is
  empty on a reader's first visit, and then logs "Got invalid theme mode". The
  empty mode is defaulted here to "auto", the theme's own fallback.
- sphinx-thebe adds its configuration script once per reading pass, and a
  forced notebook execution makes two passes; the second ``const THEBE_JS_URL``
  is a SyntaxError. Identical script tags are dropped here, page by page.
"""

DEFAULT_MODE = ('if (!document.documentElement.dataset.mode) {'
                ' document.documentElement.dataset.mode = "auto"; }')


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        filename = getattr(script, "filename", script) or ""      # an inline script is None or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.add_js_file(None, body=DEFAULT_MODE, priority=100)
    app.connect("html-page-context", drop_duplicate_scripts, priority=999)   # after every other handler
    return {"parallel_read_safe": True, "parallel_write_safe": True}
