"""The version of labkit, in one place every layer can import."""

__version__ = "0.1.0"
