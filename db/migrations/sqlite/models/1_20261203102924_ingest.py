from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "ingest_checkpoints" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "market_id" VARCHAR(80) NOT NULL,
    "stage" VARCHAR(16) NOT NULL,
    "cursor" TEXT NOT NULL,
    "reached" TIMESTAMP,
    "done" INT NOT NULL,
    "rows" BIGINT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    CONSTRAINT "uid_ingest_chec_market__22ad49" UNIQUE ("market_id", "stage")
) /* How far `polyscan ingest` got, per market and stage (scanner_core.backtest.checkpoints). */;
        CREATE TABLE IF NOT EXISTS "price_points" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_id" VARCHAR(80) NOT NULL,
    "market_id" VARCHAR(80) NOT NULL,
    "timestamp" TIMESTAMP NOT NULL,
    "price" VARCHAR(40) NOT NULL,
    CONSTRAINT "uid_price_point_token_i_915567" UNIQUE ("token_id", "timestamp")
) /* CLOB price-history points of one outcome token (ingested history; one row per time). */;
CREATE INDEX IF NOT EXISTS "idx_price_point_market__f02db8" ON "price_points" ("market_id", "timestamp");
        ALTER TABLE "markets" ADD "payouts" JSON;
        ALTER TABLE "markets" ADD "winning_token_id" VARCHAR(80) NOT NULL DEFAULT '';
        ALTER TABLE "markets" ADD "winning_index" SMALLINT;
        ALTER TABLE "markets" ADD "closed_time" TIMESTAMP;
        ALTER TABLE "markets" ADD "resolution" VARCHAR(12) NOT NULL DEFAULT 'unresolved';
        ALTER TABLE "markets" ADD "resolved_at" TIMESTAMP;
        CREATE INDEX IF NOT EXISTS "idx_markets_closed__4b309b" ON "markets" ("closed_time");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_markets_closed__4b309b";
        ALTER TABLE "markets" DROP COLUMN "payouts";
        ALTER TABLE "markets" DROP COLUMN "winning_token_id";
        ALTER TABLE "markets" DROP COLUMN "winning_index";
        ALTER TABLE "markets" DROP COLUMN "closed_time";
        ALTER TABLE "markets" DROP COLUMN "resolution";
        ALTER TABLE "markets" DROP COLUMN "resolved_at";
        DROP TABLE IF EXISTS "price_points";
        DROP TABLE IF EXISTS "ingest_checkpoints";"""


MODELS_STATE = (
    "eJztXWtv2zgW/SuCv2wKeILEcR47u1jASd2pB0kcJO7OYAYDDSPRNhG9KlFx3W7/+5J6Ui"
    "9GciVFVvgtoXgk+VyKvC9efhvopgo153CiQRvfm5vBz9K3gQF0SP7IXBtKA2BZ8RXagMGj"
    "5nUGtJfXBB4dbAMFk9Yl0BxImlToKDayMDIN0mq4mkYbTYV0RMYqbnIN9NmFMjZXEK+hTS"
    "78+RdpRoYKv0CH/vttsERQU72/BxugaRDLQFVt6Pivg3ToYKBbA4qDXyx6gTzVCW8V/Lbg"
    "eXhreS8/8DqTt/b++T6UEo/Rgf1EHoPUxp6g2BBgqMoA13lX23RruCntaD3J3n0Tw8Pnw2"
    "uXQ+wlWs0M/MHrS0X8KCum5upG3N/a4rVpRABkYNq6gga0KQWkDdsuHTP0rYLBFQ4jf3jE"
    "XfxxwWBUuASuhpkx9ijHbQNZvp0v5IfpQpYHFUalQigjdJBXdTwCVvQVfvrnaHRycj46Oj"
    "m7OB2fn59eHF2Qvt77Zi+df/dfJmbLv5XH2eyX2e2CvpBJPhv/a6IN3z0MwECOZRqzr0LV"
    "teQnuM0K4WoN7HwRJEApSZCfmJZEyHt3RaGDL7IGjRVek3/PxhyW/zu5v/o4uT84G79LUn"
    "0bXBl5l757H1FI8hP5WVX4DfvXQ23YEHMbz6etkzsqQ+6omNxRhlwHPkMb4UoDmMX0kOTj"
    "UQmSj0eFJNNLSZLJ45ZIhYYCszR/0ExQMFcnYSmmlxS3h1xzuH0//3R5PZXu7qdXs4fZ/J"
    "Y+Rd86n7X4Im0iDQh7HNxPJ9cpqjHCWg7LC7KW5pMcAdobyYNB+9wupr97q5vuBHyG4/Xg"
    "ZvL7uwTT1/PbX8LuzPi+up5fpsm2gQqrLn8J0E6kB4tbV0Z0cvY4KTN7nBTPHieZ2SOh+Z"
    "ZlOQHqH8sXRyVYvjgqZJleSrKcNWPKUp1F9o/vcZlRPS4e1ePMqHbQVyi7Ts6gfg8VpAOt"
    "QPdgYCmaVR93GOD3j3Le0kiWxJvJ9cHJ0fDYH9XxKhjRnxnTDloZQMsZzL8+zG+L+I0gaX"
    "qRgqX/SRpyGlM7Bv9euoZCaZMeXaRhZDiH9Hn/eYUFk1LEXzDTayOlzHTwyvbu4t0gvWBa"
    "YEvUtpwxXywQBtINgdDH9kYgsSMpOw0RLunlIrWRAaYFEyAPwz/6paYvZjfTh8Xk5i4hjf"
    "eTxZReGSW19qD14Cwloegm0m+zxUeJ/iv9Mb+dpoUW9Vv8QV1rA+BiUzbMDV1uGU7C5rAp"
    "aX7Fjr2KUk4ihZg7LebY01pRyglgDULeH7ViL2RMfd/LJ8b/ShsegfK0AbYqZ66YI7Oob/"
    "aSPtLTLcAAK09IlE36nkEEhhgAhgG1e1eDBTGaVI8hL1Kj+H1lm3RuIGDz52BF1ms1sP/C"
    "h/n/6QAra3+AR/89A40M1b94cZ7ohq3FMd5KEGN0PD4fX5ycjaPYRdTCC1m8HJ5gx0BZa5"
    "bF9NC5W797JvlxlaU5iRJEl/KDsfNWeUcYi+oh0cdnZcIV6UWbCVec5RPtLwmVmY5gPaS6"
    "/timbWqw4szBQPrnZ2xgeg5MuMdKQYokqgehobZoFja2sL+asb/eQw09Q3tbYHyxl4c8y0"
    "v1O6JmzC4vAy+YnsmNMDIAvZEcJqWwbdSW4llclgbw0rR1z92PAXa9NzaIOUU+Fgx1C9ec"
    "q1biheNXEelsvUtnYwdveRmwqJclsQcTdpvCYHMJsx9f+ZTCLLaH+nf96W/Z2W0XyntrxN"
    "dv8LBrWlmqWUwPSa7fgI+VhdIpnRGiRVvHgoZKaWqH5dqzOgMdLIfn4qWSgbS3VB41u07+"
    "oPs6JjSt2WZ45RuSOXARzOuaMZnwM0LDWz53cILlQIUz7GUvjQYcLEPbNu0s2cUp0klUD5"
    "xhbedJC+fYm5jPHDIp7SBjBibWq67JtyPOz5mxIvbm1RoqT5ZJuC1wguZ1G/KcocgDyEqE"
    "KOcUHXw0N+SSLf1tmdrWUYAh+Xf6W1qZeChZ0Jb8HQgSMFSJWBcrKB3QfmTskqFvw0PKCy"
    "aIQ+bZ7w4HqUHV6INyHbiJjRPe/TJOWuG97KT38pX2yXRtRW16o4z/TVSgOAL0kN76fTeK"
    "azvV1PMYIVTzyqo50a/JupC3C4mfMhzDhM7WNZ0t4eA3jZzJ6tI0NQiMAs9+AEkJ9pFgmv"
    "qcopZ2pXk5n18nBHk5S38yn24up2QGS205y/rubHOT4wjlKT8hojd+0Jbjha6l7uhUSCKF"
    "U6FzE1hHjM4bTzcuMDXji0Oegenr1y2XpHI0d1VnXswK6Dr40a0P6WpTmumQb9D7wlpLpS"
    "lW0us0gDpUjagu84ezxyIcGxXIZjE90NmbjlqQn+h475ShuNgoYjE9oLhts8ibQSuM6LB/"
    "D6hOpRydnpbJOTo9LU46otdSNj7hYmXa1TLSGUzvWK4/zwgaqkw12Kq6MYsTln3XFGNWws"
    "9UZlAejdc5MuaVkEkCRREZyH5k2SIyGvldSM0tEcilOYETLL/Asm8OVPRUxSDhq6rgq9Ih"
    "BlSfz7JdXIaHxYg6PHx9c4c6PMKZ9SbWbNbpUVHOKajQzbosZ3IrIrh8m52zszmBatHIcQ"
    "3v0c9QbWo+bToXfYMMgzxf9n5mlvMHomRphZGYDHinkEzHPqcgKHMyOj+LwjD0H17g5YHo"
    "bddZfSHkB5tPsOo2oTxs78z3+pNMLLA13bytFdxCiSHkhxS0jo3jtjWxcCbcpY5aEiqW6K"
    "4t0R2JK97ZSIF3nDTWZIchL75o0a5yldRV+iFIHuynNZkRTHsr+XDJXEqmASUyiyimDiVv"
    "ypYO/HxTqEpB7395nWxz4yWf0oGck7ba1ENyU1bZtYU5GYcXIW3gNB2RFdvJrNhdlJbXUV"
    "b2LigsUo9bpllUa+6pYpJQ/emqWTHWEGF+OM6wR5ItH2joiN734D5GHBRofukuXN3PYTo3"
    "UsxphwJOlbSgt6ICNVbgVtTMETVzukZ4/bks5oZuZqxGNYvpnb+xforJooGeq24UiUEtht"
    "/D6Xtvo+9LpGFoV3LtMhARe6/d4/vZRcQMJeaRnePx5UeOUlARN8ohFuapJWVohbk6yVsn"
    "lVroX3M39XH8WQymxcXw0+JqX9dDenuLKBBr083Zi1w4cNOw9vb2nexLkTNRC2iXhW/vvF"
    "gioa23Yu6KN23rYKjfQEK2UuRNS3UZcr1pXmdZ93q3vGHTf6jsvf5QBCSbXcpeOyApgjj9"
    "nBdTKfbsB106JJqE9dA7eDwqExUlvTjJn9nws09bwYlNHzQTFOnrKWCK8CVF7iHlvKDZ/N"
    "Pl9VS6u59ezR5mgTcl+nS8i0kH1v10cp2povoIq52qHSOE/6oW/1VHdLCFDdSi00Cja1yt"
    "C9NeLWtbG6BpENPpnOpV9SlcqQoXDeSYpZ4g9MQe64kqVF1LfoKVdsknQL2rZlJ/aQ38RV"
    "4DJ2cHNceZGkN6qJ/Vn7SWnW1L7x3JIHtI+LjMmB4Xj+lxzjmxIhmzjWRMkVjcPMkOUqvV"
    "2g3695DcMjGu4hBXNqnG34BRhVwG0ruUmkb8EgFhu+1KzYBFIDw1NXytmiYdQkSW9EvlWE"
    "QSeqP00oEou05e2e2Xxm8IEyS/RLIItLyBQItjunbeTMVRESNED5XE+s9jwAhrOfwWVx6N"
    "AD3QEXlfiig7um9lR+EzPWmsKsdJlGC6DNNeVMeuHP5OwQTXpYrpioTKQvbJD1TnhrYd+I"
    "bwnig+gc3e1cS73zy3/JUGHActkQI421mLug55IeHA7a8kUC2HiJMP9ywOepheM3HWHUIj"
    "tcdEOhTlqysiUhxazUq3LO9ZZB+NiNrL8/kfT4ZnTmZWhBApWWVSsgoOJeR7mIsOJmxwm8"
    "p+uJaJ2uAES07ZDDcG0o0UN/q8vU5xS265xwBVSzlkIN0QyN7nHCYLGfvr4G52RxrcQ9Nj"
    "T0yNrm/y8Q2IO9tcIq0o0TTTZ1jCurD87s2bFULr74rWv0S2g2UHwhyNnz9hJZGirmvXJq"
    "vk5oQdhZwAChl3WcbYxECT460DSTEX2jtpWG9O3q1tc77PUHBAVPX8hDz46+QpNEV47UkK"
    "4Hnlj0h5h3ymLFiwzWVbhyoCxu6E5+IF51zObQiIqU1sPcvQKtKdhgqmuUxvkCHbuWc+ch"
    "ytLGhHX+v+aDp1uFqjUx6IVoOi0FRJFSQfLBSRoiNnduE4FysoTlOMHNlxHQsqNAVAy0mS"
    "5NZ+zEGLMxgrVIHULEKmsUQqNPLSFzkTdgbZZoTsNdbCGuZsET/oWPxAlAfbRRR74ajpVO"
    "SAV6Ai1WNYImpQoVrFYCL5oH84krkxwoONpIOlbeoSXkOJjHMgTe5mkmlLpmtLSwjVd0MJ"
    "GFuJmpY/e50egYO8Q5MQdiQHA+xkD1tq9ElvpraGKIMhymB0VhQNl8EQNRpEjYbXp/kt12"
    "jY25Nqu1+hoSVqa67PIHav9tQ+EvvARS2DLrrZduJWVJFpvooMcuQwbFTdSc8ihYO+goOe"
    "cBcEkqqTzgB343x/Iqo/yHhHnIUTSOb79SDHSRhcGfKcgyDu8yqZxOJozQaO1nyGtlNxcy"
    "AD6aF13sjmdfpRVWA46N5Ddo+PSmkORxzN4SijOZAnYmjkhNiKw54MpP2w5+ssYf0oyv79"
    "/9TN+BM="
)
