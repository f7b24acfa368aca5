"""The studio: a local web page and REST API over the CLI (``dreamvideo studio``).

Imports only downward (settings, options, failures, render, media, errors); nothing
below imports it. A render runs as a ``python -m dreamvideo`` child, so the CLI's own
checks apply to every job. FastAPI and uvicorn are an optional extra (``dreamvideo[studio]``):
:func:`serve` checks for them and says how to install them in one line.
"""
