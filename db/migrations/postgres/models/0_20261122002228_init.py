from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "alerts" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "dedup_key" VARCHAR(64) NOT NULL UNIQUE,
    "kind" VARCHAR(24) NOT NULL,
    "severity" VARCHAR(12) NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "title" TEXT NOT NULL,
    "trade_key" VARCHAR(32),
    "market_id" VARCHAR(80),
    "wallet_address" VARCHAR(42),
    "size_usd" DECIMAL(30,10),
    "signals" JSONB NOT NULL,
    "payload" JSONB NOT NULL,
    "timestamp" TIMESTAMPTZ NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "routed_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_alerts_wallet__7281b0" ON "alerts" ("wallet_address", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_alerts_market__20792d" ON "alerts" ("market_id", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_alerts_created_e55fa3" ON "alerts" ("created_at");
CREATE INDEX IF NOT EXISTS "idx_alerts_routed__e22e0b" ON "alerts" ("routed_at");
CREATE TABLE IF NOT EXISTS "channel_rules" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "guild_id" VARCHAR(32) NOT NULL,
    "channel_id" VARCHAR(32) NOT NULL,
    "match_type" VARCHAR(16) NOT NULL,
    "match_value" VARCHAR(64) NOT NULL,
    "role_id" VARCHAR(32),
    "created_by" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_channel_rul_guild_i_a90b76" UNIQUE ("guild_id", "channel_id", "match_type", "match_value")
);
CREATE INDEX IF NOT EXISTS "idx_channel_rul_guild_i_e97896" ON "channel_rules" ("guild_id");
CREATE TABLE IF NOT EXISTS "deliveries" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "alert_id" BIGINT NOT NULL,
    "destination_kind" VARCHAR(24) NOT NULL,
    "destination_id" VARCHAR(64) NOT NULL,
    "platform" VARCHAR(16) NOT NULL,
    "status" VARCHAR(12) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ,
    "mention_role_id" VARCHAR(32),
    "last_error" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "sent_at" TIMESTAMPTZ,
    CONSTRAINT "uid_deliveries_alert_i_7a290c" UNIQUE ("alert_id", "destination_kind", "destination_id")
);
CREATE INDEX IF NOT EXISTS "idx_deliveries_platfor_f2de0b" ON "deliveries" ("platform", "status", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_deliveries_destina_65fadf" ON "deliveries" ("destination_kind", "destination_id", "status");
CREATE TABLE IF NOT EXISTS "markets" (
    "id" VARCHAR(80) NOT NULL PRIMARY KEY,
    "gamma_id" VARCHAR(32) NOT NULL,
    "question" TEXT NOT NULL,
    "slug" VARCHAR(255) NOT NULL,
    "category" VARCHAR(64) NOT NULL,
    "end_date" TIMESTAMPTZ,
    "volume_24h" DECIMAL(30,10),
    "liquidity" DECIMAL(30,10),
    "closed" BOOL NOT NULL,
    "metadata" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_markets_slug_9cca30" ON "markets" ("slug");
CREATE INDEX IF NOT EXISTS "idx_markets_gamma_i_bb4614" ON "markets" ("gamma_id");
CREATE TABLE IF NOT EXISTS "subscriptions" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "destination_kind" VARCHAR(24) NOT NULL,
    "destination_id" VARCHAR(64) NOT NULL,
    "owner_id" VARCHAR(64) NOT NULL,
    "active" BOOL NOT NULL,
    "filters" JSONB NOT NULL,
    "quiet_start" SMALLINT,
    "quiet_end" SMALLINT,
    "timezone" VARCHAR(64) NOT NULL,
    "max_per_hour" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_subscriptio_destina_0de495" UNIQUE ("destination_kind", "destination_id")
);
CREATE TABLE IF NOT EXISTS "system_metrics" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "timestamp" TIMESTAMPTZ NOT NULL,
    "metric_name" VARCHAR(120) NOT NULL,
    "metric_value" DOUBLE PRECISION NOT NULL,
    "labels" JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_system_metr_metric__74dbb1" ON "system_metrics" ("metric_name", "timestamp");
CREATE TABLE IF NOT EXISTS "trades" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "dedup_key" VARCHAR(32) NOT NULL UNIQUE,
    "tx_hash" VARCHAR(80) NOT NULL,
    "wallet_address" VARCHAR(42) NOT NULL,
    "market_id" VARCHAR(80) NOT NULL,
    "token_id" VARCHAR(80) NOT NULL,
    "side" VARCHAR(4) NOT NULL,
    "outcome" VARCHAR(120) NOT NULL,
    "outcome_index" SMALLINT,
    "size" DECIMAL(30,10) NOT NULL,
    "price" DECIMAL(30,10) NOT NULL,
    "size_usd" DECIMAL(30,10) NOT NULL,
    "timestamp" TIMESTAMPTZ NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "title" TEXT NOT NULL,
    "slug" VARCHAR(255) NOT NULL,
    "event_slug" VARCHAR(255) NOT NULL,
    "trader_name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_trades_wallet__c52368" ON "trades" ("wallet_address", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_trades_market__864718" ON "trades" ("market_id", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_trades_timesta_6f1df0" ON "trades" ("timestamp");
CREATE TABLE IF NOT EXISTS "wallet_classifications" (
    "address" VARCHAR(42) NOT NULL PRIMARY KEY,
    "classification" VARCHAR(12) NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "stage" SMALLINT NOT NULL,
    "reasons" JSONB NOT NULL,
    "details" JSONB NOT NULL,
    "classified_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_wallet_clas_classif_258780" ON "wallet_classifications" ("classification", "score");
CREATE TABLE IF NOT EXISTS "wallet_profiles" (
    "address" VARCHAR(42) NOT NULL PRIMARY KEY,
    "first_seen" TIMESTAMPTZ,
    "last_seen" TIMESTAMPTZ,
    "total_trades" INT NOT NULL,
    "total_volume_usd" DECIMAL(30,10) NOT NULL,
    "avg_trade_size" DECIMAL(30,10) NOT NULL,
    "median_trade_size" DECIMAL(30,10) NOT NULL,
    "realised_pnl" DECIMAL(30,10) NOT NULL,
    "win_rate" DOUBLE PRECISION,
    "resolved_positions" INT NOT NULL,
    "winning_positions" INT NOT NULL,
    "is_suspected_lp" BOOL NOT NULL,
    "lp_confidence" DOUBLE PRECISION NOT NULL,
    "details" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "wallet_trades" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "dedup_key" VARCHAR(32) NOT NULL UNIQUE,
    "wallet_address" VARCHAR(42) NOT NULL,
    "market_id" VARCHAR(80) NOT NULL,
    "token_id" VARCHAR(80) NOT NULL,
    "side" VARCHAR(4) NOT NULL,
    "timestamp" TIMESTAMPTZ NOT NULL,
    "size_usd" DECIMAL(30,10) NOT NULL,
    "price" DECIMAL(30,10) NOT NULL,
    "outcome" VARCHAR(120) NOT NULL,
    "is_resolved" BOOL NOT NULL,
    "is_winning" BOOL
);
CREATE INDEX IF NOT EXISTS "idx_wallet_trad_wallet__0ea96a" ON "wallet_trades" ("wallet_address", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_wallet_trad_market__238f97" ON "wallet_trades" ("market_id", "timestamp");
COMMENT ON TABLE "wallet_trades" IS 'A wallet''s own history (from the Data API or our feed), any size: the basis of its stats.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXWlv4zYa/iuCv2wG8AaJ7RxbFAs4mbTNIokHiactWhQCLdE2EeoYkUrGM81/X1KSJe"
    "qMpMqKrPCbTfLR8bwU+V4kvw8MS4eYHE4xdOi99Tz4Qfk+MIEB2Y9U3VAZANuOangBBQvs"
    "NQa8lVcEFoQ6QKOsdAkwgaxIh0RzkE2RZbJS08WYF1oaa4jMVVTkmuiLC1VqrSBdQ4dV/P"
    "kXK0amDr9Cwv9+HywRxLr3e/AMMIZUBbruQOI/DjIgocCwBxwHv9q8gt2VbC8VvFtwP7qx"
    "vYcfeI3ZU3t/XoZK7DYGcB7ZbZC+sztoDgQU6iqgTV7VsdwGLsob2o+qd91Y9/D58MrVLf"
    "YCra5N+pPXlot4oWoWdg0zam9v6NoyQwAyKS9dQRM6nAJWRh2X9xn+VEHn2nYjv3tETfx+"
    "IWB0uAQupkIfW6hR2UBV72Zz9eFqrqqDCr1SY5QxOtijEo+AFX+Ef/9nNBqPz0ZH49Pzk8"
    "nZ2cn50Tlr6z1vuursxX+YiC3/Uh5n1z9f3835A1nss/G/Jl7w4mEABWok04h9HequrT7C"
    "TVoIl2vgZIsgBkpIgr1iUhJb3rsrCgN8VTE0V3TN/p5OClj+dXp/+cv0/uB08iFO9V1QM/"
    "KqXryPaEvyI3utKvxu2zdD7bYg4jYaT1snd1SG3FE+uaMUuQQ+QQfRSh1YxPSQ5ONRCZKP"
    "R7kk86o4yex2S6RDU4Npmn/CFsgZq+OwBNNLjttDrgu4/Tj7fHFzpXy6v7q8frie3fG7GB"
    "vyBUeVvIgVIOpxcH81vUlQTRHFGSzP2VyaTXIIaK8nDwbtczu/+t2b3QwS8Lntrwe3098/"
    "xJi+md39vG0u9O/Lm9lFkmwH6LDq9BcD1SI9mNy60qPjo8e4zOgxzh89xqnRI6b5lmU5Bu"
    "ofy+dHJVg+P8plmVfFWU6bMWWpTiP7x/ekTK+e5PfqSapXE/QNqi7J6NQfoYYMgHN0DwGW"
    "oFn3cYcBfv8oL5oa2ZR4O705GB8Nj/1eHc2CIf2pPk3QygQ4ozP/72F2l8dvCEnSizSq/K"
    "1gRHamdgx+XLqmxmlTFi7CFJnkkN/vv28wYXKKiifM5NzIKbMIXTneVbwLJCdMG2yY2pbR"
    "5/MFIkC6IRB+294IJHIkpYchxiWvzlMbBWBSMAHycPujX2r6/Pr26mE+vf0Uk8bH6fyK14"
    "ziWntQenCakFB4EeW36/kvCv+r/DG7u0oKLWw3/4O71gbApZZqWs98uhU42RZvi+LmV+TY"
    "qyjlOFKKudNijjytFaUcAzYg5P1RK/ZCxtz3vXwU/K+8YAG0x2fg6GqqxhpZeW3TVcbISJ"
    "YAE6w8IXE2+XMGERhmAJgmxPcuhjkxmkSLYVGkRvPbqg5rvIOAzZ+DFZuv9cD+297M/2cA"
    "qq39Dh7+ewKYddW/iuI84QVbi2O8lyDG6HhyNjkfn07C2EVYUhSyeD08IfaBstasiOmhc7"
    "d590z84ypLcxwliS7lBxPHrfKOMBHVQ6KPT8uEK5KTthCuOM0m2p8SKjMdwnpIdfOxTcfC"
    "sOLIIUD652fcwfAcmHCLSkGKOKoHoaG2aJY2trS/dmN/fYQYPUFnk2N8idXDIstL9xui3Z"
    "hdXgZeMDyzC1FkAn4hdZuUIpZxW6rI4rIxoEvLMTx3PwXU9Z7YZOYU+1goNGzacK5aiQeO"
    "HkWms/UunU3svOVlIKJel8QeDNhtCkPMJUx/fOVTCtPYHurfzae/pUe3OpT31ohv3uAR57"
    "SyVIuYHpLcvAEfKQulUzpDRIu2jg1NndPUDsuNZ3UGOlgGz/lTpQBpb6o82u08+Q/d1xGh"
    "Sc02xWuxIZkBl8G8rhmTMT8jNL3ps4YTLAMqnWGve2kwIFSFjmM5abLzU6TjqB44w9rOk5"
    "bOsXcxnhE2KNWQsQCT81XX5NsR5+etl86f4/qMKodFjk9/SUDLq4MJdldNuihXwDBAq1ko"
    "+UpIk2Z/h1ZwNrW2oiAvZSvECmSLmB6oILvW9NgrEu+ZKuh5IqYHFLet5XlDXYUevW3fA6"
    "oTbtqTkzJ+2pOTfEctr0vo0IyLleVUi+ILmN6x3LxvFpq6yjXNqgqsiJMabNc0WFHCT1xm"
    "UB1N1hkyLlp2FwfKhXdQ/MjSC+8wey+kZ26rUEhzDCdZfoVlDVsEZgWrLQtDYObMCSEowe"
    "+CoXY1JYQl7dJ6MZvdxIami+ukHvP59uLq/uA4wXnaN29ACrg+n2Y7f+miiJFrF4v1zRpr"
    "F11br+lVjCOlV7Fzc3ZHvE4P7iKkP8f3lGwyLPJAEaHxTrLvamTcyRVJba5IkklOMsmpa4"
    "Q3b0hbz4yOilSLGOmreJViNmmgpwxPRaHuH4Fa1P23w/feqv5LpjxDp9IuMgJEKv6NK/5f"
    "XASpSihwMjT/BwNgnKunJKC1ctA65lYIVJbx6Ow01Fb4nyJF5eF2enOT7uk+OzBLLSlDK8"
    "zUSd47qdyE/GaZlZaSipgWJ8PP88t9nQ/55W2mQKwtNyO3K7fjJmHtJaWO9yUrVSZv1Zn4"
    "9sLNIr1p70LMXfGmbQiFxi1kZGt53rREk2GhN81rrBpe65bTuvybqt7jD5s6j0GuCu3kql"
    "C5R2JPx8VEfE/8oMuvw4jBeugdPB6VSYdkrQpWjqUi1wFtOVvsFBwJkATKQwHKHArAXhtW"
    "2wY5Qkj/VSP+q47oYHN++ECO8hXWFWpd3vEF8oiteneQemKP9UR5GFYLef30q7oGJCN9s8"
    "CZGkF6qJ/18CSQbhPe/FEgb3TATbdpbr5fU+sRVk0AETGS5BIkE6RXMqC37XtIbpkYV36I"
    "K51U41LNquadECC9S6nZiV8iIEz13i/NdHEQPAWWgfDE0PAta2nVa6ddZTkhKi8F6dpI0f"
    "haENtBWadrFrIbYiS9r58k9vantfWeZBloeQeBFmK5TtZIVaAihogeKonNb34oTwCWex70"
    "ZM8D+MS3hqrKcRwlmS7DtBfVcSqHvxMwyXWpnTxkQmUu++wF9ZmJNwPfEN4TxSew2buaeP"
    "eb55a/xIAQtEQaKFjOmtd0WBQSDtz+WgzVcog4fnPP4tAsB+4mzlojNNJ4TKRDUb6mIiL5"
    "odW0dMvynkb20YhofG9v/+NJ8VyQmRUiZEpWmZQsQtlYXdXDHIL6dMxIE65lpjaQYMopm+"
    "EmQLqR4sbvt9cpbvEl9xSgaimHAqQbAtn7nMP4XlH+PFjP7kiCe2h67Imp0fVFPr4B8cmx"
    "lij3nPBUm2EJ68L2m+/erJBaf1e0/iVyCFUJhBkaf/GAFUfKPTm7NlilzuSoI+QYUMq4yz"
    "KmFgVYjZYOxMWca+8kYfLIqNTmEh5Dwe601fMTsuBvk6ewK8IbT1IATyu/R6o18pnSYMl2"
    "IdsG1BEw6xOeiZecF3LuQMBMbWbr2SauSHcSKpkuZPoZmaqTueF8gaNVBNX0te6PptOEq5"
    "XpMRZ+4p3SIigMTZVUQbLBUhFJKiKsV5rsfrU4zsRKipMUI6ISl9hQ4ykAOCNJsnDvxwy0"
    "3AC+wi6Q2GZkmkukQzMrfbFgwE4h24yQvcVc2MCYLeMHHYsfyO3B6ohiLxw1nYocFG1QkW"
    "gxLBE1qLBbxWCq+KB/EcV6NpU1Gy4sZ6McLB3LUOgaKqyfA2X66VqxHMVyHWUJof5hqABz"
    "o3DT8gev0QIQxC6wVBAlCj9WnhwOEt1ot3d6N3tryG0w5DYYnRXFjrfBkHs0yD0a3p7m97"
    "xHQ0srEN7jDg0tUdvw/gxy9WpP7SO5DlzuZdBFN1stbuUuMrvfRQYRdRs2qu6kF5HSQV/B"
    "Qc+4CwJJ1UkXgPU435+I6j9kvCPOwilk4/16kOEkDGqGRc5BELV5k0xiebTmDo7WfIIOqb"
    "g4UID00DrfyeJ1/lFVYDho3kN2j49KaQ5HBZrDUfpEd8uk0MwIseWHPQVI+2HPt5nC+rEp"
    "+8v/AT1bBRU="
)
