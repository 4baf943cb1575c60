"""lexradar — big-data legal supervision for procuratorates."""

__version__ = "0.1.0"
