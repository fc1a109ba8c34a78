"""Experiment tracking: report each dataset version to a tracker (`tracking=mlflow`) for side-by-side comparison."""
