"""Sphinx configuration of the numpy_dist site (``bash scripts/docs.sh`` builds it)."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import numpy_dist  # noqa: E402  (the package being documented: PYTHONPATH or the venv's install)
import nd_docgen  # noqa: E402

# API pages, the coverage table and the ownership pictures, written before Sphinx reads its sources.
nd_docgen.generate(DOCS)

project = "numpy_dist"
author = "the numpy_dist developers"
copyright = "the numpy_dist developers"
release = version = numpy_dist.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# _generated holds included fragments and pictures, not documents of their own.
exclude_patterns = ["_build", "_generated", "_ext", "Thumbs.db", ".DS_Store"]

autosummary_generate = True
templates_path = ["_templates"]  # classes: one page with every public method and attribute
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False  # methods are listed by the class's own docstring, not 200 stubs
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

myst_heading_anchors = 3
# The .md notes link to files of the repository (README.md, numpy_dist/...), which are not pages.
suppress_warnings = ["myst.xref_missing"]

html_theme = "pydata_sphinx_theme"
html_title = f"numpy_dist {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False
