"""Shipped presets (YAML files); installed as the package ``dreamvideo.preset_files``."""
