"""Packaged data (loaded, not coded): starter document types and policies."""
