"""A deterministic synthetic region of Inner Mongolia with planted anomalies and an answer key.

``generate(persons, seed, out)`` writes ``out/lake/<dataset>/*.parquet`` (the ten canonical
datasets), ``out/truth.csv`` (every planted anomaly and negative control, one row each) and
``out/truth_persons.parquet`` (the true person behind every person mention). The background is
clean by construction: every anomaly in the data is one the generator planted and recorded.
"""

from lexradar.synth.generate import SynthResult, generate

__all__ = ["SynthResult", "generate"]
