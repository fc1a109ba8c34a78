"""Dataset versions: content-addressed ids, manifests, dataset cards and atomic writes."""
