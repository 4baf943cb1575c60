"""Reports: statistics (one function for the CLI, the web and the documents)."""
