"""The document model: a format-neutral tree that both writers read, and how it is built."""
