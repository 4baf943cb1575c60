"""The tables ingestion writes beside the data: quarantined rows and warnings."""

from __future__ import annotations

import pyarrow as pa

#: One quarantined cell: where it came from, what was wrong, and the whole raw row.
QUARANTINE_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("field", pa.string()),
        ("column", pa.string()),
        ("raw_value", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw_row", pa.string()),
    ]
)
#: One repaired or doubtful cell that was loaded: the raw value and what it became.
WARNINGS_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("field", pa.string()),
        ("kind", pa.string()),
        ("raw_value", pa.string()),
        ("value", pa.string()),
    ]
)
