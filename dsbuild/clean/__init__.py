"""Rule-based cleaning: small steps that either rewrite fields or drop rows with a reason."""
