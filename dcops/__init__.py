"""dcops: one typed inventory, and everything a data center team derives from it."""

__version__ = "0.1.0"
