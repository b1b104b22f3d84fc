"""All of Dossier's SQL: schema, migrations and the queries the pipeline and Discord use."""

from storage.db import Database, StorageError

__all__ = ["Database", "StorageError"]
