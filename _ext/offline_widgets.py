"""Serve the JavaScript that draws ipywidgets from the site itself.

myst-nb embeds each page's widget state, but loads require.js and
``@jupyter-widgets/html-manager`` from CDNs, so a reader without a network
sees an empty box where an explorer should be. This extension fetches both
packages once from the npm registry at build time (pinned versions, checked
against the registry's sha512 integrity, cached under ``.venv/web-assets``),
copies the files a page needs into ``_static/widgets/`` of the output, and
points myst-nb's ``nb_ipywidgets_js`` at them. Readers then see every
explorer's first picture with no network and no kernel.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import tarfile
import urllib.request
from pathlib import Path

#: (npm tarball, sha512 integrity, files to keep: tar member -> name under _static/widgets)
PACKAGES = (
    ("https://registry.npmjs.org/requirejs/-/requirejs-2.3.4.tgz",
     "sha512-qPD5gRrj6kGQ0ZySAJgqbArkaDqPMbQIT0zSZDkIv1mfA17w/tR2Faq5l2qqRf2CdQx6FWln9nUrgd2UDzb19A==",
     {"package/require.js": "require.js"}),
    ("https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.6.tgz",
     "sha512-+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==",
     {"package/dist/embed-amd.js": "embed-amd.js", "package/LICENSE": "LICENSE.html-manager"}),
)
FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".eot", ".svg")


def cache_dir(srcdir: Path) -> Path:
    return Path(srcdir) / ".venv" / "web-assets"


def fetch(srcdir: Path) -> Path:
    """Download (once) and verify the packages; returns the directory of extracted files."""
    target = cache_dir(srcdir)
    done = target / ".complete"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for url, integrity, keep in PACKAGES:
        try:
            data = urllib.request.urlopen(url, timeout=60).read()
        except OSError as error:
            raise RuntimeError(f"could not download {url} for the offline widget manager: {error}; "
                               "the first build needs the npm registry") from error
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != integrity:
            raise RuntimeError(f"{url} does not match its pinned integrity {integrity}")
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                name = keep.get(member.name)
                if name is None and member.name.startswith("package/dist/") \
                        and member.name.endswith(FONT_SUFFIXES):
                    name = member.name.rsplit("/", 1)[1]       # icon fonts the manager's CSS names
                if name:
                    (target / name).write_bytes(archive.extractfile(member).read())
    done.touch()
    return target


def point_myst_nb_at_local_files(app, config) -> None:
    fetch(Path(app.srcdir))
    config.nb_ipywidgets_js = {
        "widgets/require.js": {},
        "widgets/embed-amd.js": {"data-jupyter-widgets-cdn": "widgets/"},
    }


def copy_files(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    shutil.copytree(fetch(Path(app.srcdir)), Path(app.outdir) / "_static" / "widgets",
                    dirs_exist_ok=True, ignore=shutil.ignore_patterns(".complete"))


#: Runs before require.js loads: a global ``require`` object is require.js's configuration. It maps
#: the manager's AMD module path to _static/widgets/ of this site, whatever the page's depth, so that
#: the icon fonts its CSS names resolve there too.
ASSETS_PATH = """
var widgetAssets = new URL((document.documentElement.dataset.content_root || "") + "_static/widgets/",
                           document.baseURI).href;
window.__jupyter_widgets_assets_path__ = widgetAssets;
var require = {paths: {"@jupyter-widgets/html-manager/dist": widgetAssets.replace(/\\/$/, "")}};
"""


#: The widget manager typesets labels with MathJax 2's ``MathJax.Hub.Queue``; the site runs
#: MathJax 3, which has no ``Hub``. Every object assigned to ``window.MathJax`` (the page's
#: configuration, then MathJax 3 itself) gets a ``Hub`` that asks MathJax 3 to typeset instead.
MATHJAX2_SHIM = """
(function () {
  var current;
  var hub = {Queue: function () {
    if (current && current.typesetPromise) { current.typesetPromise().catch(function () {}); }
  }};
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = value; if (value && !value.Hub) { value.Hub = hub; } }
  });
})();
"""


def setup(app):
    app.add_js_file(None, body=MATHJAX2_SHIM, priority=90)
    app.add_js_file(None, body=ASSETS_PATH, priority=100)
    app.connect("config-inited", point_myst_nb_at_local_files, priority=900)
    app.connect("build-finished", copy_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
