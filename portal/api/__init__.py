"""The portal's versioned JSON API: its URLs, its OpenAPI document and its checker."""
