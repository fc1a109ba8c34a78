"""Sources: read data from files, hubs or mixes into canonical records with lineage."""
