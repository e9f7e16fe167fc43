"""Reading a plan folder: safe files, YAML with locations, Markdown with front matter, models."""
