"""Person resolution: Chinese-aware comparisons and blocking around Splink, training,
clusters (``person_key``) and stored human judgements."""
