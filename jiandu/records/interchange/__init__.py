"""The interchange contract (shared/spec/interchange.md): field rules, kinds and file formats."""
