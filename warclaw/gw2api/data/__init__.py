"""Data files of the GW2 API client (a package so that setuptools ships its *.json)."""
