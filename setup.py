"""A packaging hook, beside pyproject.toml (which holds the metadata): the GraphQL documents
the app sends to Saleor live in the top-level `graphql/`, the project's layout; an installed
package needs them beside its code, as `saleor_distribution/graphql_documents/`
(settings.GRAPHQL_DOCUMENTS_DIR looks there when it runs outside a source checkout).
setuptools' package data cannot reach outside a package directory, hence this copy."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DOCUMENTS = Path(__file__).resolve().parent / "graphql"


class BuildWithDocuments(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            target = Path(self.build_lib) / "saleor_distribution" / "graphql_documents"
            shutil.copytree(DOCUMENTS, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithDocuments})
