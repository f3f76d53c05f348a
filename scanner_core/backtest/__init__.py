"""History and proof: `ingest` brings resolved markets, their trades, price histories and the
wallets behind them into the database; the backtest (later) replays what is stored through the one
pipeline and judges each alert against its market's resolution."""
