from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "wallet_history_activity" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "address" VARCHAR(42) NOT NULL,
    "key" VARCHAR(32) NOT NULL,
    "timestamp" TIMESTAMPTZ NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "condition_id" VARCHAR(80) NOT NULL,
    "outcome_index" SMALLINT,
    "side" VARCHAR(4) NOT NULL,
    "usd" DECIMAL(30,10) NOT NULL,
    "price" DECIMAL(30,10) NOT NULL,
    "category" VARCHAR(32) NOT NULL,
    CONSTRAINT "uid_wallet_hist_address_b3f5a2" UNIQUE ("address", "key")
);
CREATE INDEX IF NOT EXISTS "idx_wallet_hist_address_a4bedb" ON "wallet_history_activity" ("address", "timestamp");
COMMENT ON TABLE "wallet_history_activity" IS 'One row of a stored wallet history: a trade or another kind of activity.';
        CREATE TABLE IF NOT EXISTS "wallet_histories" (
    "address" VARCHAR(42) NOT NULL PRIMARY KEY,
    "fetched_until" TIMESTAMPTZ NOT NULL,
    "fetched_at" TIMESTAMPTZ NOT NULL,
    "depth" SMALLINT NOT NULL,
    "first_activity" TIMESTAMPTZ,
    "latest_activity" TIMESTAMPTZ,
    "markets_traded" INT,
    "observed_at" TIMESTAMPTZ,
    "trades_truncated" BOOL NOT NULL,
    "resolved_truncated" BOOL NOT NULL,
    "username" VARCHAR(255) NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_wallet_hist_fetched_5bebf3" ON "wallet_histories" ("fetched_at");
COMMENT ON TABLE "wallet_histories" IS 'A wallet''s Polymarket history, complete up to its watermark `fetched_until`; its rows are';
        CREATE TABLE IF NOT EXISTS "wallet_history_positions" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "address" VARCHAR(42) NOT NULL,
    "condition_id" VARCHAR(80) NOT NULL,
    "outcome_index" SMALLINT,
    "is_open" BOOL NOT NULL,
    "category" VARCHAR(32) NOT NULL,
    "avg_price" DECIMAL(30,10) NOT NULL,
    "cost_usd" DECIMAL(30,10) NOT NULL,
    "realised_pnl" DECIMAL(30,10) NOT NULL,
    "value_usd" DECIMAL(30,10) NOT NULL,
    "size" DECIMAL(30,10) NOT NULL,
    "resolved_at" TIMESTAMPTZ,
    "end_date" TIMESTAMPTZ,
    "redeemed" BOOL NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_wallet_hist_address_ea8e91" ON "wallet_history_positions" ("address");
COMMENT ON TABLE "wallet_history_positions" IS 'A resolved or open position of a stored wallet history.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "wallet_histories";
        DROP TABLE IF EXISTS "wallet_history_activity";
        DROP TABLE IF EXISTS "wallet_history_positions";"""


MODELS_STATE = (
    "eJztXVtT3Dga/SuufllS1UtBQ4DNbm1VQ5gJU1xS0NmZmtkpj7DVjQtbdiwZQrL57yv5Kl"
    "+xHLdxC72BrGO7zydL31X6NnFcE9p4e25Dn1y7j5N32rcJAg6kf5SuTbUJ8LzsCmsg4NYO"
    "OwPWK2wCt5j4wCC0dQlsDGmTCbHhWx6xXERbUWDbrNE1aEcLrbKmAFmfA6gTdwXJHfTphT"
    "/+pM0WMuEXiNm/3yZLC9pm+PfkEdg2JDowTR/i6HUsB2ICHG/CcPCLxy7Qp+LkVvFvi59H"
    "nrzw5SdhZ/rW4T/fp1ruMQ7w7+ljLHNtTzB8CAg0dUD6vKvvBj3clHX07vXwvrnhEfERtu"
    "sJ9thanSHyU9iXifhWN1w7cFDW33sidy5KARYirHUFEfQZBbSN+AEbM+yt4sGVDKNoeGRd"
    "onHBYUy4BIFNuDF2q2dtE12/vFroN6cLXZ8IjEqDUkbpoK+KQwJW7BX+/o/ZbG/vcLazd3"
    "D0dv/w8O3RzhHtG75v+dLh9+hlMraiW4Wcnf18drlgL+TSzyb6mljD9xADCNAzmWbsm9AM"
    "PP0ePpWFcHIH/GoR5EAFSdCfWJREwvt4ReGAL7oN0Yrc0X8P9htY/s/8+uTD/HrrYP9Nnu"
    "rL+MosvPQ9/IgSku/pzxLhN+nfD7VJQ8ZtNp8OTu6sDbmzenJnJXIxfIC+RYQGMI+RkOTd"
    "WQuSd2e1JLNLeZLp45aWCZEByzT/ZLugZq7OwwpMLxluA7lu4Pb91afj81Pt4/XpydnN2d"
    "Ule4rzhD/b2UXWRBssEnJwfTo/L1BNLGJXsLyga2k1ySlguJE8mQzP7eL0t3B1c3DMZzJe"
    "ty7mv73JMX1+dflz0p0b3yfnV8dFsn1gQtHlLwfqRHq8uI1lROdnj702s8de/eyxV5o9cp"
    "pvW5ZzIPlYPtppwfLRTi3L7FKe5bIZ05bqMlI+vvfbjOr9+lG9XxrV2PoK9QBXDOr30LAc"
    "YNfoHhysQLMZ4bZj/OZR3rQ00iXxYn6+tbcz3Y1GdbYKpvSXxjS2VgjYFYP5l5uryzp+U0"
    "iRXssg2v8028JrUzsm/1oGyGC0abeBZRML4W32vH+/wILJKGpeMItrI6PMxWTlh3cJb1Bc"
    "MD3wRNW2ijFfLxAOMg6BsMdKI5DMkVSehiiX7HKd2sgBi4KJkdvJH3Kp6Yuzi9ObxfziY0"
    "4a7+eLU3Zlltfa49atg4KE0ptov54tPmjsX+33q8vTotDSfovfmWttAgLi6sh9ZMstx0nS"
    "nDTlza/MsSco5TxSiXnUYs48rYJSzgF7EPLmqBUbIWPm+17ec/5X1nALjPtH4Jt66Yo7c+"
    "v6li85M6fYAhBYhUJibLL3jCMw1ABACNrXgQ1rYjSFHtOmSI0R9dV92nkNAZs/Jiu6Xpux"
    "/Zc8LPrPAcS4iwZ4+t8DsOlQ/bMpzpPecLA4xmsJYsx29w/3j/YO9tPYRdrSFLJ4PjzBj4"
    "G21iyPkdC52797Jv9xtaU5j1JEt/KD8fNWe0cYj5KQ6N2DNuGK4qLNhSsOqomOlgRhplOY"
    "hFT3H9v0XRsKzhwcRD4/4xqm59iEuxUKUuRREoSGhqJZ2djK/lqP/fUe2tYD9J9qjC/+8r"
    "TJ8jKjjtZ6zK4wAy+enumNiIUAu5GeJKXwbcyWarK4PBuQpes7obufABKEb4yoOUU/FgId"
    "j/Scq9bihbNXUels0qWz8YO3vQx41POS2IAJe0hh8LmE5Y+vfUphGSuh/t1/+lt5dutCub"
    "RGfP8GD7+mtaWax0hIcv8GfKYstE7pTBED2joeRCajaRiWe8/qjHWwCp7rl0oOMtxSubPe"
    "dfIH3dcZoUXNtsRrsyFZAVfBvLEZkzk/I0Th8tnBCVYBVc6w5700NsBEh77v+mWy61Ok8y"
    "gJnGFD50kr59irmM8wnZQ6yJiDqfVqbPIdifPzIkznr3F9ZhenTY7PqCRg4OpgbAerPl2U"
    "K+A4YNAslHolpE+zf0QVnH3VVjTkpSRCFCCbx0iggqxb06M/EYfvJKDn8RgJKB5aywunOo"
    "ERnfSXgOqCm/bt2zZ+2rdv6x217FpBh6ZcrFxfLIrPYaRjuX/fLESmzjRNUQWWxykNdmwa"
    "LC/hByYzqM/27ypk3FR2lweqwjvIf2Tlwjub/i7LrNxWoZHmHE6x/AzLhu1iWBWsdl0bAl"
    "SzJqSgAr+3FLWuJSFtGZbW46ur89zUdHxW1GM+XRyfXm/tFjgv++YdSADT58ts15cu8hhV"
    "u9isb3aoXQw8s6NXMY9UXsXRrdkj8TrdBLcp/TW+p2KXaZMHCnOd15J91yHjTlUkDVmRpJ"
    "KcVJLT2Ajv35B2HykdglTzGOWreJZiumhYDxWeikbdPwMNqPsn0/fGqv5LqjxDX2gXGQ6i"
    "FP/eFf/PgQWJjgnwKzT/GwfYdq2eUoB2ykEbmVshVln2ZocHqbbC/mlSVG4u5ufn5ZEesQ"
    "Or1JI2tMJKneS1k8pMyK8uEiol5TEDLoafFiebuh6y23tUgbhzg4rcrtqBW4QNl5S6tylZ"
    "qSp5q8vCtxFuFuVNexViHos37QkT6FxASrZR500rdJk2etPCzroT9h44rSt6qB6+/rSv8x"
    "hUVegoq0LVHomSzouF+B7/Qbevw8jBJPQO7s7apEPSXg2VY6XIdUxbzRY7DUcCFIHqUIA2"
    "hwLQnw3FtkHOEMp/1Yv/aiQ62IIdPlCjfKXXGrWu8PgCdcRWtycoPVFiPVEdhjVAXj/5ot"
    "8BXJG+2eBMzSAS6mcSngQybsL7PwrkhQ64GTfN/Y9r4t5D0QQQHqNIbkEytkwhAzrpLyG5"
    "bWJc9SGuclJNQAxXzDvBQaRLqVmLXyImTA9/X5np5iB4CawC4YWp4WtVadVzp11VOSGES0"
    "HGNlP0Xgvi+VbV6ZqN7KYYRe/zJ4m9/Glt0pOsAi2vINCC3cCvmqkaVMQUIaGS2P/mh+oE"
    "YLXngSR7HsAHtjWUKMd5lGK6DdNhVMcXDn8XYIrrVjt5qITKWvbpDzSvkP00iQzhDVF8Yp"
    "t9rIl3v4Zu+Tkr/rFI3fkR5U7TpjBw7Oq/szBx/ScdxLgQ9FxceHKFoOa7j5q71IDGbgBN"
    "LbqhFt/wHb0QTi6a62sAuSxKrLGixxATP2x7UhhUvd64+niLLLTBYnaNx1f0Hq5Wcd9Rxn"
    "07BMpUhEwsQiYYVO81nD4qatcQUFdOF/mdLqJbDUi8vUD/Dhf6ONPqsLlAESed9dR/dFnF"
    "59Yanxt76H6gcdtz4F48bKQiRlNpo57rKvvtnVu14exadO9R+YRObICxtbQM0LDFWV3XaQ"
    "v/kJFDDVw2kH94OO4N14fr8cGMwQswoszvvnwA9W6XsnRbz1IlpIx2Tu/nvUUfT4nnhmq9"
    "FKHK9NqU6WFC52pRqyYFyXT0bB/mjA8BjpecPJ/1VY8cZBxlj+x5G132mN+GkQBLrAyVg4"
    "xDIBtfh5rfPzxaB7vFootg5QIenQt4VLbGhygA22hkcH2mraPPVsty5Mk8jgX/DWsfXfsp"
    "qqBKAsNTzXAdj16FWuBpxNUsgml/An3WT/trCYlxRwd7gIhl//XP8LLvPmINRCpOLg69ti"
    "f9F1lIq4m9awCZxWt0FIUuZqxtYQMgtsUq08m2o274TV2ku8msSt6PfvbKkpLBksoNONF1"
    "oARW68Do1oHcbrbZ19tR0mq53wAxm9AjFVXyzbZkClK2ZHELaB+TXJKb0IdTQqtTwsb87d"
    "iU9R8QdwVcyXvM8o4PBtbDvFCRU0/KQIlSCnrbQNi9xdB/6KRyFKDqMxrzZxTtDEY/hgAZ"
    "oQBKwm48nKIKro6oEzingorStdnH0lUC1TdQMhCQQUDnK9EiKh4jXdJEbxVUo/Jlfozdao"
    "3OTL7TVKCWJvXZtfVqJt8tK2lxPYi05A4NdTDl2pkfuI+gAzHx1qlaGFULo2phRGthNi/d"
    "fDCyVcL5RnnVLKyzZUZQS+VQA6qmL2MD9qiZqnTetZfSgYeV3iUjPYdTSf/PJqa7mHTYi4"
    "uHKZKfI9mHwLYwNHUPVYWEm4guQlWdRSPT4VkWHcZzDqc4buR447ae3BhmU5+huHO/AFXO"
    "/TE79yEydSYJUSHzOCXhMUvYhyaEToegQQZTp4o322Pj8mH77tKy6w4DKvWZtvBge1H39Z"
    "f5qdzR0eSOhrlNGFa5cdpkRSVItTaMeW2wQUch54BKxmOWMXEJsPXseLeWOVBF2HCpo5ty"
    "gHrE0ANjrIudXwVXRmmjUcocquGI1DsY/mWwYruRbar8WwB1J7wSrzhX7tlRMP1oId2vdH"
    "w0bHzAgzrufbA5mk4fWx+kvsBc8lNLFaQarBSRoiJCRyWiz+vEcSVWUVyR0oAD7EGDbdNu"
    "V+yp+lxqQxGtsm8Fchxsj5KJlpYJUVUQvmHCLiGH3LHmJdbCHuZstZ/HyPbzCDyz48ESea"
    "Qq7R2do2ZUkYMFs9Qa4wZpj2mLqEHmOxLawsN9REkSura19F1HI3dQo+McaPOPZ2EOe+Br"
    "SwjNN1MNoCeNmZbvwk63AFuYJbWzrTUwAQRXpcOv8UmCCfPlc7X7OVCCTR7cY3JHSqsjKy"
    "RO0zehGXi64KkKOZB0obL+00HLX21bpstICZP1+6+MyM1fbbnOgSSkuf+aCOLeQ9HiEx4j"
    "XSZ5/xSrrfjXsxW/OuxGUvtIndWtTl4Yo5utE7dx3aDIAsBBpFsDdmdt1lfaq2Ev8xLHFt"
    "aTsJG4k55HKge9gIOechcHksRJ54DdON+ciKocacZzSOf7u0mFkzC+Mm1yDoKsz4tkElfZ"
    "N6/FO/WD4dB6v9MD9LHgYR0cRELrfC0HjLOPSoDhuLuE7O7utNIcdho0h52K8mNEIKoIsd"
    "WHPTnI8GHPl1nCegtwvuhi9v3/xqPD3A=="
)
