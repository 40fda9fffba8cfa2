"""newsreader: a terminal news reader with an offline cache.

Only the version lives here so that ``import newsreader`` stays instant.
"""

__version__ = "0.1.0"
