"""Live coordination: partner-group rooms, messages, presence and notifications."""
