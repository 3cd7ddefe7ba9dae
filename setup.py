"""Maps the design card's top-level folders into one import namespace, ``tierwatch.*``.

graph/ -> tierwatch.graph, ingest/ -> tierwatch.ingest, and so on; nothing is installed as a
top-level module named ``graph`` or ``api``. Metadata lives in pyproject.toml.
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
}


def _packages() -> list[str]:
    found = []
    for package, folder in PACKAGE_DIRS.items():
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            if "__init__.py" in files:
                rel = os.path.relpath(root, folder)
                found.append(package if rel == "." else f"{package}.{rel.replace(os.sep, '.')}")
    return found


setup(packages=_packages(), package_dir=PACKAGE_DIRS)
