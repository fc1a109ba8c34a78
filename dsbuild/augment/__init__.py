"""Augmentation after the split: copies of rows with transformed images, audio or text, each traceable
to its original (`augmented_from`) and reproducible from its seed. See `stage` for the policy."""
