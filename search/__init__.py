"""Portal search: Elasticsearch through elasticsearch-dsl, with a database fallback."""
