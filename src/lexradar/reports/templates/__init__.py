"""The default templates of the documents lexradar drafts (see ``make_template``)."""
