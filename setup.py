"""Build of the optional C accelerator (the ledger's batch hashes); the rest is pyproject.toml.

``optional=True``: where there is no C compiler or OpenSSL headers the build warns and goes on,
and the ledger hashes in pure Python (``jiandu/ledger/merkle.py``), only slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("jiandu.ledger._hashes", ["jiandu/ledger/_hashes.c"],
                             libraries=["crypto"], optional=True)])
