"""backpain: a calm, cited self-assessment for back pain."""
