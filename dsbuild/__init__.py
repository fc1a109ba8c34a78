"""dsbuild: build fine-tuning datasets from declarative Hydra configs."""

__version__ = "0.1.0"
