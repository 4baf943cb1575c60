"""The model studio: from an individual case to a model in production.

Start from the records of one case (``search``), assemble element blocks into a draft
(``blocks``), compile it into the same YAML + SQL files a person writes (``compile``,
``workspace``), try it on the lake and compare versions (``trying``), turn the case and judged
hits into golden examples (``golden``), move it along its lifecycle with an audited record
(``lifecycle``), and run production models on new ingestion batches (``schedule``).
"""

from lexradar.studio.blocks import BLOCK_KINDS, Base, Condition, Draft
from lexradar.studio.workspace import Studio

__all__ = ["BLOCK_KINDS", "Base", "Condition", "Draft", "Studio"]
