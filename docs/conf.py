"""Sphinx configuration of the skdigits documentation."""

import os
import warnings

import skdigits

os.environ.setdefault("MPLBACKEND", "Agg")

project = "skdigits"
copyright = "2026, the skdigits developers"
author = "the skdigits developers"
version = release = skdigits.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "examples",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
]
html_theme = "pydata_sphinx_theme"
html_title = "skdigits"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []

autosummary_generate = True
# Methods inherited from scikit-learn whose docstrings refer to scikit-learn's
# own documentation (metadata routing, set_output, the glossary).
autodoc_default_options = {
    "members": True,
    "inherited-members": True,
    "exclude-members": ",".join(
        [
            "get_metadata_routing",
            "set_fit_request",
            "set_partial_fit_request",
            "set_score_request",
            "set_transform_request",
            "set_output",
            "score",
        ]
    ),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "backreferences_dir": "modules/generated",
    "doc_module": ("skdigits",),
    "reference_url": {"skdigits": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
}

# Warnings of the libraries we call, not of our examples.
warnings.filterwarnings(
    "ignore", category=UserWarning, message="Matplotlib is currently"
)
warnings.filterwarnings("ignore", message="The set_bad function will be deprecated")
