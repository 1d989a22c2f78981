"""paris-collector: the core of the Paris Public Data Analytics Platform."""

__version__ = "0.1.0"
