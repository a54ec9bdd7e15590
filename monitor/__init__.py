"""ctr-monitor: watch Japanese clinical-trial registries and report what changed.

The package reads as the data flows: ``fetch`` → ``registries`` (parse and normalize,
one module per registry) → ``store`` → ``diff``, with ``pipeline`` tying one check
together and ``cli`` a thin shell over it.
"""

__version__ = "0.1.0"
