"""ctcm: offline, encrypted compliance toolkit for small healthcare practices."""

__version__ = "0.1.0"
