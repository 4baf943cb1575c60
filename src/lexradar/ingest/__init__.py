"""Ingestion of raw agency files: mappings, readers, normalization, quarantine, batches, quality.

``ingest(mapping_files, lake)`` reads every file a mapping names, maps and normalizes it into
a canonical dataset, quarantines what cannot be loaded and writes one batch per file.
"""

from lexradar.ingest.mapping import Mapping, load
from lexradar.ingest.pipeline import BatchResult, ingest, ingest_file

__all__ = ["BatchResult", "Mapping", "ingest", "ingest_file", "load"]
