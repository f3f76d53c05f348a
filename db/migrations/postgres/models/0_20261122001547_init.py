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
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_alerts_wallet__7281b0" ON "alerts" ("wallet_address", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_alerts_market__20792d" ON "alerts" ("market_id", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_alerts_created_e55fa3" ON "alerts" ("created_at");
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
    "eJztXW1v4zYS/iuCv1wW8AWJ7bxccTjAyaZtDkm8SLzXokUh0BJtE6FeVqSS9W7z34+UZI"
    "l6jaSVFVnhN5vkI9HP0OTMcDj8PjAsHWJyOMXQoffW8+An5fvABAZkH1J1Q2UAbDuq4QUU"
    "LLDXGPBWXhFYEOoAjbLSJcAEsiIdEs1BNkWWyUpNF2NeaGmsITJXUZFroi8uVKm1gnQNHV"
    "bx51+sGJk6/AoJ//p9sEQQ697nwTPAGFIV6LoDid8dZEBCgWEPOA5+tXkFeyvZPir4bcH7"
    "6Mb2Oj/wGrNee19ehkrsNQZwHtlrkL6zN2gOBBTqKqA/9FTe0H5UvQfHJOl33StXt9gLtL"
    "o26c9eWy6NhapZ2DXMqL29oWvLDAHIpLx0BU3o8N6yMuq4XLy8V8E42Ercl2TUxBehgNHh"
    "EriYCsNhoUZlA1W9m83Vh6u5qg4qDCCNUcboYF0lHgEr3oV//ms0Go/PRkfj0/OTydnZyf"
    "nROWvr9TdddfbidyZiy3+Ux9n1L9d3c94hi41wf+DzghcPAyhQI6FG7OtQd231EW7SQrhc"
    "AydbBDFQQhLsJyYlseW9u6IwwFcVQ3NF1+zr6aSA5f9N7y9/nd4fnE4+xKm+C2pGXtWL9y"
    "/akvzIflYVfrftm6F2WxBxG019rZM7KkPuKJ/cUYpcAp+gg2ilASxiekjy8agEycejXJJ5"
    "VZxk9rol0qGpwTTNP2ML5MzVcViC6SXH7SHXBdx+nH2+uLlSPt1fXV4/XM/u+FuMDfmCo0"
    "pexAoQ9Ti4v5reJKimiOIMludsLc0mOQS0N5IHg/a5nV/97q1uBgn43I7Xg9vp7x9iTN/M"
    "7n7ZNhfG9+XN7CJJtgN0WHX5i4FqkR4sbl0Z0fHZY1xm9hjnzx7j1OwRU1LLshwD9Y/l86"
    "MSLJ8f5bLMq+Ispy2OslSnkf3je1JmVE/yR/UkNaoJ+gZVl2QM6o9QQwbAObqHAEvQrPu4"
    "wwC/f5QXLY1sSbyd3hyMj4bH/qiOVsGQ/tSYJmhlApwxmP/7MLvL4zeEJOlFGlX+VjAiO1"
    "M7Bv9euqbGaVMWLsIUmeSQv+8/b7BgcoqKF8zk2sgpswhdOd5TvAckF0wbbJjaljHm8wUi"
    "QLohEP7a3ggk8vmkpyHGJa/OUxsFYFIwAfJw+6Ffavr8+vbqYT69/RSTxsfp/IrXjOJae1"
    "B6cJqQUPgQ5bfr+a8K/6r8Mbu7SgotbDf/g/vWBsCllmpaz3y5FTjZFm+L4uZX5IOrKOU4"
    "Uoq5c2LmftHlo+Cb4wULoD0+A0dXUzXWyMprm64yRkayBJhg5QmJs8n7GTjSmXJomhDfux"
    "jmuNoTLYZFDnfNb6s6rPEO/O5/DlZsLtcD22D7Mv+bAai29kd4+O0JYDZU/ypy14cPbM3H"
    "/V4c3KPjydnkfHw6Cf3aYUmRO/t117U4BspaOiKmh46/5k33+J+rLM1xlCS6lI9EnLfKO0"
    "lEVA+JPj4t48pOLtqCK/s0m2h/SajMdAjrIdXN73s5FoYVZw4B0j8f1A6m50C9X1RyYMdR"
    "Pdg2aItmaX9J+2s39tdHiNETdDY5xpdYPSyyvHS/IdqN2eUFUgXTM3sQRSbgD1K3AQtiGb"
    "eliiwuGwO6tBzDcwVTQF2vxyYzp9ifhULDpj8acpQIZCrR4agrMtSpd6FO4uAtLwMR9bok"
    "9mDCblMYYpxZ+s9XPtwsje2h/t18aFR6dqtDeW+N+OYNHnFNK0u1iOkhyc0b8JGyUDrcL0"
    "S0aOvY0NQ5Te2w3HjEX6CDZfCcv1QKkPaWyqPdrpM/6L6OCE1qtileiw3JDHgD1mTH3CX7"
    "bkzG/IzQ9JbPGk6wDKh0hr3upcGAUBU6juWkyc4Pn42jeuAMazuGVjrH3sV8RtikVEPGAk"
    "yuV12Tb0ecn7deqHeO6zOqHBY5Pv1w8ZYPeRLsrpp0Ua6AYYBWo1DylZAmzf4One5rKu6+"
    "IC5lK8QKZIuYHqggu9b02E8kXp8q6HkipgcUt63leVNdhRG9bd8DqhNu2pOTMn7ak5N8Ry"
    "2vS+jQjIuV5VTbxRcwvWO5ed8sNHWVa5pVFVgRJzXYrmmwooSfuMygOpqsM2RcdCQrDpSH"
    "sqD4J0sfysLsdyE988h9Ic0xnGT5FZY1bBGYtVltWRgCM2dNCEEJfhcMtaslISxpl9aL2e"
    "wmNjVdXCf1mM+3F1f3B8cJztO+eQNSwPX5NNv5x9pEjDzXVqxv1jjX5tp6Ta9iHCm9ip1b"
    "szvidXpwFyH9Ob6nZJNhkQeKCI13En1XI+JOnkhq80SSDHKSQU5dI7x5Q9p6ZnRUpFrESF"
    "/FqxSzRQM9ZXgqCnX/CNSi7r+dvvdW9V8y5Rk6lTKMCBCp+Deu+H9xEaQqocDJ0PwfDIBx"
    "rp6SgNaKQeuYWyFQWcajs9NQW+FfihSVh9vpzU16pPvswCy1pAytMFMnee+kchPym2VWOk"
    "oqYlpcDD/PL/d1PeSPt5kCsbbcjNiu3IGbhLUXlDrel6hUGbxVZ+HbCzeL9Ka9CzF3xZu2"
    "IRQat5CRreV50xJNhoXeNK+xanitWw7r8l+qet0fNpVWX54K7eSpUJk/r6fzYmJ/T/xDlz"
    "+HEYP10Dt4PCoTDslaFZwcS+1cB7TlpNgpSBefBMqE8WUSxrOfDaulyI0Q0n/ViP+qIzrY"
    "nCemz1G+wrpCrctLbS9vSqr3Bqkn9lhPlBcltRDXT7+qa0AywjcLnKkRpIf6WQ9vieg24c"
    "1fE/FGl590m+bmxzW1HmHVABARI0kuQTJBeiUDetu+h+SW2ePK3+JKB9W4VLOqeScESO9C"
    "anbilwgIU73fl2a6eBM8BZYb4Ymp4VvW0arXbkLKckJUPgrStZmi8bMgtoOybl4sZDfESH"
    "pfv2Xq7W/y6j3JcqPlHWy0EMt1smaqAhUxRPRQSWw++aG8HVbmPOhJzgP4xFNDVeU4jpJM"
    "l2Ha29VxKm9/J2CS61KZPGRAZS777AfqMxNvBr4hvCeKT2CzdzXw7jfPLX+JASFoiTRQcJ"
    "w1r+mwaEs4cPtrMVTLW8Txl3sWh2Y5cDf7rDW2RhrfE+nQLl9TOyL5W6tp6ZblPY3soxHR"
    "eG5v/8+T4rkgMitEyJCsMiFZhLK5uqqHOQT16ZqRJlzLTG0gwZJTNsJNgHQjxK1Xl8DrkA"
    "JULeRQgHRDIHsfcxjPFeWvg/XsjiS4h6bHnpgaXT/k4xsQnxxriXLvCU+1GZawLmy/+e7N"
    "Cqn1d0XrXyKHUJVAmKHxF09YcaTMydm1ySp1J0cdIceAUsZdljG1KMBqdHQgLuZceycJk1"
    "dGpZJLeAwF2Wmrxydkwd8mTmFXhDcepACeVv6IVGvEM6XBku1Ctg2oI2DWJzwTLzkv5NyB"
    "gJnazNazTVyR7iRUMl3I9DMyVScz4XyBo1UE1fS17o+m04SrlekxFn7ig9IiKNyaKqmCZI"
    "OlIpJURNioNNn7anGciZUUJylGRCUusaHGQwBwRpBkYe7HDLRMAF8hCyS2GZnmEunQzApf"
    "LJiwU8g2d8jeYi1sYM6W+wcd2z+Q6cHqiGIvHDWd2jkoSlCRaDEssWtQIVvFYKr4oH8QxX"
    "o2lTWbLixnoxwsHctQ6BoqbJwDZfrpWrEcxXIdZQmh/mGoAHOjcNPyJ6/RAhDEHrBUECUK"
    "v1aeHA4Sw2i3b3o3uTVkGgyZBqOzothxGgyZo0HmaHh7mt9zjoaWTiC8xwwNLVHbcH4GeX"
    "q1p/aRPAcucxl00c1Wi1uZRWb3WWQQUbfbRtWd9CJSOugrOOgZd8FGUnXSBWA9zvdnR/UH"
    "Ge+Is3AK2Xy/HmQ4CYOaYZFzEERt3iSSWF6tuYOrNZ+gQyoeDhQgPbTOd3J4nf+pKjAcNO"
    "8hu8dHpTSHowLN4Sh9o7tlUmhmbLHlb3sKkPa3Pd9mCetHUvaX/wPhdlDi"
)
