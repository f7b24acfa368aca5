"""dreamvideo: DeepDream stills, infinite-zoom videos and coherent video dreams."""

__version__ = "0.1.0"
