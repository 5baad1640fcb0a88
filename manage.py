#!/usr/bin/env python
"""Django's command-line utility; `jiandu` is the same entry point with a friendlier name."""

from jiandu.cli import main

if __name__ == "__main__":
    main()
