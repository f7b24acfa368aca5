"""Distributed rendering on Ray: chunk planning, the driver, the worker, the Ray backend, batch.

Above ``render`` (it fills frame stores with the single-process plans and assembles
once); Ray itself is imported only in ``ray_backend``, and only when asked for.
"""
