"""On-chain funding: who put collateral into a wallet, which wallets share a plain-wallet funder
(siblings), a wallet's true age, and the background tracer that reads it all from Polygon.

models (values), known (the known-funders list), profile (pure functions), ranges (block ranges),
service (trace and look up), worker (the bounded background tracer and its follow-up alerts).
"""
