"""Settings for the test suite: fixed keys, fast hashing, the database from DATABASE_URL."""

import os

os.environ.setdefault("JIANDU_ENV", "test")

from jiandu.settings import *  # noqa: F403
