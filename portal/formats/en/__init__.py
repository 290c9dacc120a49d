"""English date and time formats for the portal."""
