"""Progress against the commitments: records, their visibility, the dashboard."""
