"""The bottom layer: what every other package of K-Data Catalog needs, and nothing of theirs.

- :mod:`kcore.errors`: errors classified by what the caller must do, with their CLI exit codes;
- :mod:`kcore.config`: :class:`~kcore.config.Settings` read from the environment (:func:`~kcore.config.load_settings`);
- :mod:`kcore.faults`: the fault points the crash tests kill the process at;
- :mod:`kcore.runlock`: per-stage locks inside a run folder;
- :mod:`kcore.atomic`: the one atomic file write.

Named ``kcore`` ("K-Data core") rather than a generic ``core`` or ``common``: the wheel installs each of
its packages as a top-level name, and a ``k`` prefix keeps this one from colliding with another
distribution's. It imports only the standard library, so the stages (``schemas``, ``ingest``,
``quality``, ``storage``, ``catalog``) and the application ``kdata`` on top may all import it, and the
fast command-line paths pay nothing for it. ARCHITECTURE.md draws the layers; ``lint-imports`` checks them.
"""
