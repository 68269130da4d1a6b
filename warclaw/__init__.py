"""Warclaw: the Guild Wars 2 WvW commander's toolkit."""

__version__ = "0.1.0"
