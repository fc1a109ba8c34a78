"""Export: check rows against a target format, write them reproducibly, describe them to LLaMA-Factory."""
