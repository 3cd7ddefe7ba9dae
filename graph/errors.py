"""One exception hierarchy for tierwatch. The CLI and the API map it to messages and HTTP errors."""

from __future__ import annotations


class TierwatchError(Exception):
    """Base of every error a user may see. ``str(err)`` is one readable line."""

    http_status = 500


class ConfigError(TierwatchError):
    """Settings or environment are unusable (missing directory, bad value)."""

    http_status = 500


class StoreError(TierwatchError):
    """The store cannot be opened, read or written."""

    http_status = 503


class EmptyStoreError(StoreError):
    """A query runs on a store that holds no graph (missing or empty): the message says where the
    store is and how to fill it; the CLI exits 2."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class SchemaError(TierwatchError):
    """A node, edge or property does not fit the schema."""

    http_status = 422


class InputFileError(TierwatchError):
    """An input file is unusable: wrong format, corrupt, or no role fits it.

    The message names the file and, where known, the row and the field.
    """

    http_status = 422

    def __init__(self, file: str, message: str, *, row: str | int | None = None, field: str | None = None):
        self.file, self.row, self.field, self.detail = file, row, field, message
        where = file
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class IngestError(TierwatchError):
    """An ingest failed; the store was left as it was."""

    http_status = 500


class NotFoundError(TierwatchError):
    """An entity, path or dataset does not exist (or is not visible to the caller)."""

    http_status = 404


class QueryError(TierwatchError):
    """A query's parameters are out of bounds or unknown (hops, page size, type, category, commodity,
    country, format). The API answers 422 like any invalid request parameter; the CLI exits 2."""

    http_status = 422


class QueryTimeoutError(TierwatchError):
    """A query ran longer than the configured limit (``TIERWATCH_API_QUERY_TIMEOUT_S``)."""

    http_status = 504
