"""bcf-docgen: a Better Care Fund plan in YAML and Markdown, built into checked documents."""

__version__ = "0.1.0"
