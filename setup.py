"""Maps the design card's top-level folders into one import namespace, ``tierwatch.*``.

graph/ -> tierwatch.graph, ingest/ -> tierwatch.ingest, data/ -> tierwatch.data, and so on; nothing is
installed as a top-level module named ``graph`` or ``api``. Metadata and the package data (the files
the code reads: pyproject.toml [tool.setuptools.package-data]) live in pyproject.toml. A wheel thus
holds everything an editable checkout reads (tests/test_wheel.py installs one and runs it).
"""

import os

from setuptools import setup

PACKAGE_DIRS = {
    "tierwatch": "tierwatch",
    "tierwatch.graph": "graph",
    "tierwatch.ingest": "ingest",
    "tierwatch.api": "api",
    "tierwatch.explorer": "explorer",
    "tierwatch.cypher": "cypher",
    "tierwatch.data": "data",  # manifest, aliases and the open bundle: package data, no code
}


def _packages() -> list[str]:
    found = []
    for package, folder in PACKAGE_DIRS.items():
        for root, dirs, _files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            # every folder, with or without __init__.py: data and vocabulary folders, Streamlit pages
            rel = os.path.relpath(root, folder)
            found.append(package if rel == "." else f"{package}.{rel.replace(os.sep, '.')}")
    return found


setup(packages=_packages(), package_dir=PACKAGE_DIRS)
