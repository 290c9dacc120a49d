"""The portal's own date and time formats, one style for every page, mail and export."""
