"""The studio: a local web page and REST API over the CLI (``dreamvideo studio``).

Imports only downward (runner, settings, options, render, media); nothing below
imports it. FastAPI and uvicorn are an optional extra (``dreamvideo[studio]``):
:func:`serve` checks for them and says how to install them in one line.
"""
