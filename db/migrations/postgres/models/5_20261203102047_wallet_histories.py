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
        DROP TABLE IF EXISTS "wallet_history_activity";
        DROP TABLE IF EXISTS "wallet_history_positions";
        DROP TABLE IF EXISTS "wallet_histories";"""


MODELS_STATE = (
    "eJztXX1v2zia/yqE/9kU8BaJk6a9ucMBaZrOZJE2RZLeDHZuoaUl2hYiixqRSuqZ63c/kn"
    "oj9RZRkR1Z5T+7U4k/yfmR4vP+8K/JGjvII6/PPBTSG/w4+Qn8NfHhGrH/KN2bggkMgvwO"
    "v0Dh3BODIR8lLsE5oSG0Kbu6gB5B7JKDiB26AXWxz676kefxi9hmA11/mV+KfPePCFkULx"
    "FdoZDd+P1f7LLrO+gbIvyff00WLvIc8d+TR+h5iFrQcUJE4p/jrhGhcB1MOA59C/gN9laS"
    "Pir525L30U0gfvxEDGa/Wvzj+xQor1nD8J69xnW29gY7RJAix4K0z6eGOOrhoXxgcG+J5y"
    "rLI+ZDXLdS7Ht3eenTj2Isn+K5ZWMvWvv5+GBDV9jPAK5P+dUl8lHIKWDXaBjxNcN/VbK4"
    "0mUUL498SLwuJIyDFjDyqLTG5lZ+bWJZn6/vrNuLO8uaaKxKm1HG6GA/lQgClvwn/P0/Zr"
    "Pj47ezw+PTd29O3r598+7wHRsrfm/51tvv8Y/J2YofJTi7/Pny8x3/QZh9NvHXxC98FxhI"
    "oZXPac6+g5wosO7RpjwJ5ysYVk+BAirMBPsTizOR8j7cqVjDb5aH/CVdsX+enjSw/D9nN+"
    "e/nN0cnJ68Uqn+nNyZiVvfxUeUknzP/iwdftPx/VCbXsi5zffTnZM7a0PurJ7cWYlcgh5Q"
    "6FKtBSxjRkjy0awFyUezWpL5LZVk9rqF6yDfRmWaP3oY1uzVKqzA9ILj9pDrBm4/XH99f3"
    "UBvtxcnF/eXl5/5m9Zb8gfXn6TX2IXXCo4uLk4uypQTV3qVbB8x2RpNckZYHcreTLZPbd3"
    "F78J6bYmCZ/pej34dPbbK4Xpq+vPP6fDpfV9fnX9vkh2CB2kK/4UUCfSE+E2lBWt7h7HbX"
    "aP4/rd47i0eyiab1uWFdD4WH532ILld4e1LPNbKstlM6Yt1WXk+Pg+abOqT+pX9UlpVRP3"
    "T2RFpGJRf0C2u4Zeje4hwQo0OzHudYLfP8qbRCMTiZ/Org6OD6dH8arOpWBGf2lNE3fpQ6"
    "9iMf/j9vpzHb8ZpEiva1Pwf8BzydbUjsl/LSLf5rSBeeR61PXJa/6+/34BgckpahaYRdnI"
    "KcOELkPxFPGAosAM4IapbRVrvn5CJMgwJoS/djQTkjuSytsQ45LfrlMbJWBxYhLk6/Q/xq"
    "Wm311+uri9O/v0RZmND2d3F/zOTNXak6sHp4UZyh4Cfr28+wXwf4J/Xn++KE5aNu7un9y1"
    "NoERxZaPH7m4lThJL6eXVPMrd+xpzrKKNNM86GnOPa2as6wAe5jk/VEr9mKOue97cS/5X/"
    "mFObTvH2HoWKU7eIbrxpZvrWfr4hXow6WYJM4m/51JBIYZAK5/a0O/JkKj3J82RWlsPtIi"
    "bGi7UM3kDMw9bN+DEPpLBKDHdiVnA/j/ggUOAfRBYnz8jbDFxx67QCEBrg/YTba2wYHPPX"
    "YxgD66Nnr1elJYOtt6h2YwSTKiHDdEQvUwgZPxBU46mNnPta+HJnq3bWDn348GyQpohDQf"
    "t3HO1fvmihwvQry2xL6pt5mouKc3lX3geYf7imS/4S70yyhDfmfyuQbjd9K4VaSxq4zO3a"
    "Bz3yXaZpPeLY9poXtnCmxb/ZstXY+tvhB64OLm/O+zQ5C+MVGR2YYOvmBvs8Q+OPh6++H8"
    "NeKaccD+89UUYN9GIGCDPbysUr37fnyF1v37hH6zVpCs+H02zhJfxuRfTdo40wXcwEXxlr"
    "iVnCuC2KvD/h5v1P1BqvvS0msdJs4hI9RDT0/bZEkVd30pS+q0qIrmn3SJ5NpFrmDGpAjN"
    "jk7enrw7Pj3JVnl2pWlxl1UcoSZafrSex7tU+w2kiBwTvTtX8u+RlhWbAUa4c2whEp/J4P"
    "YJgCnCENyCYEWNasuxAjI0t6AZrnFUxXFjPkkOenY2ydD47j2dxATLjbW/ZWvf95F3E3mo"
    "3taXR0yfsPT5WCtkg7dQEvX7ZBm5bLpjQzF9WfyvNaT2Kl7h2b8eoMeWaqO5nT1wZxbwj2"
    "L+PtMeqDds5TXQVrLLmBEK9v4ToNWPqy3NKsoQ3SrTXN632qeay6gREn3UxllzVO+sOSo5"
    "a2SRoM10Bhsh1f1XD4bYQ5o7hwQZXyb/FrbnJElyrlUGpKJGUHy1K5pNFquxv7Zjf31Anv"
    "uAwk2N8SXfnjZZXk480N2O2SV6XCTbM3sQdX3IH2SlZd/yNW5LNVlcgQfpAodr4QGhkEbi"
    "F/vMnGIfC0XrgPbcDaLFD85/Sp9x1uyP8xAkyMKP7AM3kdZ9jY00JFZKX0f7OZBRJlDVOV"
    "BV9XW3zryswI5Qwe+/g0V5++xC+Wi9BP1bVLLQbEu1jBkhyf17CHKB3ToomyF2aEwFyHc4"
    "TbthuffGLImSV8FzvaiUILsTlYfblZO95csUVecSr82WagXc1OMNzVpVHJnIF+Kzg5etAm"
    "q8bU+7gTxIqIXCEFdk7NR3OVJRI/C2NX1E22h1ZLxvP8R+Rtim1KWeJYcZeTXk+ZW9Xxqy"
    "qgAbn5zq30qMKUs4qaxCrU9Lr4B2UrWHRnkPyvbAQgW/4vC+tjKrPGjaImywsR7F+Ja1Wd"
    "c+AikSxEhwAEEQYhsRAgj7ptmcALpCvE3BHH97BeYbwH/pFEDfASv8CPCCIh+4FKwgQ1AY"
    "shVVLtPa6pue7pNQ63AX/6+xmaXjTevhmk2sId2ry3bWw0Y2NJWvb7dB8iV00bwUpNGuB6"
    "d9DURgfUTIuaVs2mtklXK/UUwt2EiLO1tROwF1u4aeJ8SAA0TqFhEigssRwJ8F7hEKCIB2"
    "iJkUCZFY0QQc8EHi/iOvDOb9XCu69vT9cCOG9kEMaScOjjllcPbmTZuQ4ps39TFFfk8VSF"
    "HgdHT3qEgjkIxAqhFIEa+hvHCWtRJJGdAsksRQC7GxLa2mX1cYBNBl+/8Kr6eARGsuQTDv"
    "4MZFA6E4ZP/O2mT8JK7y13ALZxnCYFWWRT09szLpK/4L+e2423ZzWlc6Ztpb/lT+/oUbkm"
    "dnhZnkqUEmT8mz3E6w5ogRStb+S3STD1OD4BxhCG5BcLY7aWotMs7oLIPTWUoBYP0ZlmBm"
    "ggc9wRRT6HU4GkPBvUw3g22lKTVMb8dWBnIDuJZ+XAVjUr8GFI36GBsRd+xzbbKm5CHTp+"
    "wpNpi3CbTbW1TIBxDE+srfSGbYPEIC+N4LxMOcPBTkUvCIfFplRz3jSc9w4L28cjYgJ15f"
    "qllDTzwxix0kuQI0snzQsnw/0rj3OE/eQRS6Xpng+lTIHGHSILXTIEPE/miilTAvQ4zWNC"
    "Ct6ZM4IrJGX8pvNmpK8TGTOz5xnnjRsk/n7hKu13CnfZfqt/8+69AGpE71dV5nQ2pOOoka"
    "ZMuYEQiDbZceiH28MvepXtrKmBFQvGt5K7Y6He0xGT8CqncQ5bcZF0sc6vWtkTCjY7n/NH"
    "DkO5aT5ErpGLkyzpRUDNnEfeBzhqzZSUV7/0Z/tQo0hzk/4bL22N/lOi6t2K0aaVZwhuUn"
    "WLY9TFBVEgbGHoJ+jUzIQAV+5wy1LZGQXdktre+vr6+Uren9ZVGP+frp/cXNwVGB83LW9x"
    "pRyPX5Mtv1x2HLGHMedrO+2eE8bJP3OFqZPRCv0200z+iv8T0Vh0ybPFBEGryVfnMdesxp"
    "+YJ+lNy+rfXgNl23TNetoRHevyEtis81qZYxxlfxJMVMaLgPFZ6KRt0/B+1Q90+3771V/R"
    "dMea7MvqrX/CWIUfx7V/z/iFxELVEeWJ4UUWVYq6cUoCPq1HA8e3uaaSv8H02Kyu2ns6ur"
    "8kqP2UFVakkbWlGlTvKjk8pNyD+xr1UDKWN2KAy/3p3vqzzkjw+YArHCUUVRTO3CLcJ2l/"
    "RxPOSsD9NN7LmCby/cLMab9kNM81C8aRtC0foTYmTbdd60wpBpozdNDLbWYvSO07ril1pp"
    "XwhzIPyIK23NUaIj3RcL8T35g26rqBdgI/QOHs3apEOyUQ2tzEuR64S2mt4wHz0M6/T1Ar"
    "BA+IIj95DyptSA66/vry7Al5uL88vby8Sbkn064qbqwLq5OLsq9WGeJ8KzrQMrRxj/VS/+"
    "q4HoYHchdOrKDrN7jVoX5aN2rG3FtXt8O+d6VX8KVyG3Pi4QSGIQW3mD0RNHrCc6yIkC6x"
    "5ppegqoNGVUvSf10+/WStIKtI3G5ypOWSE+llf1SrF2mp5t23LdBk5QsL7b4SjyJ3WlocM"
    "GiHN/a9riu+RbgKIjDEktyCZuI6WAZ2OHyG5bWJc9SGuclJNRG2s552QIKNLqdmKXyIhzB"
    "J/X5np5iB4CWwC4YWt4c+q0qqmepAU8jIdovapFiQIXVuX3Qxj6H2KXr4QO7Q5k2GG5Ccb"
    "nZlAy/gDLQRHYdVO1aAiZogRKon9dxmiLvUq+K1ve5ABRqAjmp4HL6SOb6XnAXrgZxXqcq"
    "yiDNNtmBZRnVA7/F2AGa5bdfIwCZW17LM/0Ln2vc0kNoT3RPFJbPahJt79KtzyZ7z4x6Wb"
    "muhvedC0KQycuPpXLj8qY2PBBCdArc5BDMUJgwCmZ23EDwTJA39iN8TmAnAIoI95lBjwok"
    "eBSV5WfexhXw+uLLCVQhs8Ztd4skfv4WoT9x1k3LdDoMxEyPQiZJpB9V7D6YOidgsBdeN0"
    "Gb/TRbfVwIjbC/TvcGGvc9wOzQWKuNFZT/1Hl018bqvxuaGH7ne0bnsO3OuHjUzEaDraqO"
    "feHDtkGs5uRfcelE/o3IOEuAvXhg0tzuqGTlv4h2wFteOyAfXlYt3bOETb8cEMwQswoMzv"
    "7Z9JVJ7d1rtUCTlGO6fNBBzVT8BRyVMQfzwlnhuq9TKEKdNrU6ZHKNurda2aDLS71iX7Yc"
    "6ECJJE5Kh81lc9SpBhlD3y9+112WP5+CutCZEgw5iQva9DVfuHx3KwWyy6CDYu4MG5gAdl"
    "a/wSB2AbjQxpzLR19Nlte+zpWX5O6RfsbeIKqjQwPAU2XgfsLgJRACgGLiVsPEUhHwf+vU"
    "DUXrHFHvnU9f79n+J2iB8JgLGKo8Sht/am//VdH9TE3sUZq4V7bBUJFzMBB8SGPm+xynWy"
    "1/Ew8qrlOayKWZX+PvbZG0tqDJaUsuB05UAJbOTA4OSA0s02/3o7zrQR93swzQ4KaEWVfL"
    "MtmYGMLVlsAR0SqiS5aX04JbQ5JWzI347HWH/GdFfAzXwPeb6Tg4EtkReqc+pJGTiilILe"
    "GgjjOUHhQyeVowA1n9GQP6O4Mxj7GCLfFhNQmuzGwymq4OaIOo1zKthUYo9/LF1noPoBZg"
    "405iBi+5VuEZWMGV3SRG8VVIPyZX5J3GqNzkx50FSjlibz2bX1aqbfLS9pwQHyQfqEhjqY"
    "cu3MM56j6UBMvXWmFsbUwphaGN1amP1LN98Z2SbhfK+8ai6xuJjR1FIl1A5V05exAXvUTE"
    "0679ZL6eDD0uqSka7gTNL/k4npmNAOvbhkmCH5KZJDBD2XIMcK/KqQcBPRRaips2hkWpxl"
    "0WE9KzjDcSPHe9d6cm+YzXyG+s79AtQ494fs3Ee+Y/GZ0J1kGWdmeMgzHCIHoXWHoEEOM6"
    "eKN9tjw/Jhh3jhenWHAZXGTFt4sIN4+PbL/Ezu6GByR0VuE0FVbpw2WVEp0siGIcsGD3ac"
    "ZAVo5njIc0wxhZ6VH+/WMgeqCNtd6ui+HKAeM/TAGeti51fBjVHaaJRyh6pYkVYHw78MNm"
    "w3ss2Ufxf63QmvxBvOjXt2EEw/ur4VVjo+GhofyKCOvQ/2R9Ppo/VB5gtUkp9aqiDVYKOI"
    "FBURtip99r5OHFdiDcUVKQ0kIgGyeZt2r6Kn6lOpDUW0yb7VyHHwAkamv3Ad5FcF4Rs27B"
    "Jylx1rXkIW9rBnm34eA+vnEQVOx4MlVKQp7R2co2ZQkYM7bqk1xg2yEdMWUYPcd6TVwgM/"
    "+mkSOjhYhHgN6AoBts4hOPtyKXLYoxAsEHJeTQH0N4Cblj+JQXNIXMKT2nlrDUIhJVXp8F"
    "t8k2bCfPlc7X4OlOCbh/Qa5Uhpc2TFiNP0HeREgaV5qoICGl2orP900PJX25bpMnKEyfr9"
    "V0Yo+1dbrhXQCGnuvyaC4nukW3wiY0aXSd4/xaYV/3Za8ZvDbkZqH5mzus3JC0N0s3XiNq"
    "kb1BEAEmR0MuBo1ka+slENvcxLHLvESsNG+k56GWkc9BoOesZdEkjSJ10CduN8fyKqI0kz"
    "RvMVxvd1jsL87rTRSRiP2/HRIcTGgdhNo9CzVpCsducF+1FcYM+MudY7t/iUEQS9qp39js"
    "1KTQhEQY3CEdCk1F/8dtccf8p0+qvrzz+nw4tBqUL8Kf1WNBQXGTMK0lXd5bSNAXtab8Ge"
    "lk+TY4Q5Lgk8qOW8LcBGSPXxYRs1kY2qd+Eels0cuPEwZEITh+uqsGo94WXkDhVz8VDX3p"
    "F+3vuJqgTZIaIdNvEScBTrfNf7eKb8tHY/poBR0L3tHZwtUZFsMdfrxaKgRmfk909zACOi"
    "bdznIGPXa9j1MW0dEo8UoKkPG7JbXUyVFR+RpiOTi7gRbF27Fsj89ciOqPuArAV0vSjUKt"
    "Grg5v07dI5D4wdnuVO3MoE4icKmotgs58NeT+LS5Mj20aEdJBcFXAz34Of72T76zrfKtzM"
    "9+DnG4UhDnW0FRVldBV9XSWxUzucKKogTZLNoL8uU2vyQ0xziNa4a3c/GWlE5dBmeSBJAm"
    "c8TrGaVCQIJHemTckBMB/zIu3GTPx+C/H7BxTyFAsd57gEGWEIorczdJQeOUFFEnRDl7yg"
    "KvV5DOwetYobHzXEjY/KcWP2Ror8CqFZXxstQXZfG/0ygrK3KugXFWbf/x9OsSb6"
)
