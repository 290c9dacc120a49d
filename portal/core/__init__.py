"""Cross-cutting pieces: health checks and the service probes behind them."""
