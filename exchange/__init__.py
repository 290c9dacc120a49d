"""The restricted exchange: tiered documents, sharing, coordination rooms."""
