from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "chain_scans" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "address" VARCHAR(42) NOT NULL,
    "direction" VARCHAR(3) NOT NULL,
    "from_block" BIGINT NOT NULL,
    "to_block" BIGINT NOT NULL,
    "scanned_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_chain_scans_address_829755" ON "chain_scans" ("address", "direction");
COMMENT ON TABLE "chain_scans" IS 'A block range already read for an address''s transfers in or out (never read twice).';
        CREATE TABLE IF NOT EXISTS "chain_transfers" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "tx_hash" VARCHAR(66) NOT NULL,
    "log_index" INT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "token" VARCHAR(42) NOT NULL,
    "sender" VARCHAR(42) NOT NULL,
    "recipient" VARCHAR(42) NOT NULL,
    "amount" DECIMAL(30,10) NOT NULL,
    "timestamp" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_chain_trans_tx_hash_52b1f2" UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "idx_chain_trans_recipie_6b973b" ON "chain_transfers" ("recipient", "timestamp");
CREATE INDEX IF NOT EXISTS "idx_chain_trans_sender_91f198" ON "chain_transfers" ("sender", "timestamp");
COMMENT ON TABLE "chain_transfers" IS 'A collateral ERC-20 Transfer read from Polygon (USDC.e or pUSD), once per log.';
        CREATE TABLE IF NOT EXISTS "funder_edges" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "funder" VARCHAR(42) NOT NULL,
    "wallet" VARCHAR(42) NOT NULL,
    "first_at" TIMESTAMPTZ NOT NULL,
    "last_at" TIMESTAMPTZ NOT NULL,
    "total_usd" DECIMAL(30,10) NOT NULL,
    "transfers" INT NOT NULL,
    CONSTRAINT "uid_funder_edge_funder_fa30bb" UNIQUE ("funder", "wallet")
);
CREATE INDEX IF NOT EXISTS "idx_funder_edge_wallet_b23fc2" ON "funder_edges" ("wallet");
CREATE INDEX IF NOT EXISTS "idx_funder_edge_funder_219f91" ON "funder_edges" ("funder", "first_at");
COMMENT ON TABLE "funder_edges" IS 'Who paid whom, summed over the stored transfers: the funding graph.';
        CREATE TABLE IF NOT EXISTS "funding_traces" (
    "wallet" VARCHAR(42) NOT NULL PRIMARY KEY,
    "traced_at" TIMESTAMPTZ NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "detail" TEXT NOT NULL,
    "requests" INT NOT NULL
);
COMMENT ON TABLE "funding_traces" IS 'When a wallet''s funding was last traced, and how it went.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "chain_transfers";
        DROP TABLE IF EXISTS "funder_edges";
        DROP TABLE IF EXISTS "funding_traces";
        DROP TABLE IF EXISTS "chain_scans";"""


MODELS_STATE = (
    "eJztXe1vnDge/les+XKpNFslkzTtVaeTkjTdzSkvVTK9rna1Qh7wzFgBzGKTdHav//vZwI"
    "B5DRAgDPGXNmP8wMxj49+rf/57YhEDmfTtiYlcdkseJx/B3xMbWoj/kbk2BRPoOPEV0cDg"
    "wvQ7Q9HLb4ILylyoM966hCZFvMlAVHexwzCxeavtmaZoJDrviO1V3OTZ+E8PaYysEFsjl1"
    "/4/Q/ejG0DfUdUfPx7ssTINPy/J4/QNBHToGG4iAZfB1uIMmg5E4FD3x1xgT+Vbm8V/rbw"
    "eWzj+F9+4nfm39r/8GMKEo+xoHvPH4ONzp6guwgyZGiQtXlXl3gt3FR0dO41/76J6RHw4b"
    "drW+wpXl3Y7LPfVwzxQtOJ6Vl23N/ZsDWxIwC2mWhdIRu5ggLexlxPzBnxrcLJtZ1GwfSI"
    "uwTzQsIYaAk9k0lzbKHFbRNNu76Za3fnc02b1JiVOqeM08G/KvUJWImv8NM/Z7PDw/ez/c"
    "PjD++O3r9/92H/A+/rf9/spfc/gi8TsxXcyufs4ueL67n4QoS/NsHbJBp++BjIoBaPacy+"
    "gQzP0e7RJjsIZ2vo5g9BApQaCf4T0yOx5X24Q2HB75qJ7BVb84/HRyUs//fk9uyXk9u946"
    "M3Saqvwysz/9IP/yXaknzPf1Ydfrf926F22xBzG6+nvZM7q0LurJjcWYZcih6Qi1mtCSxj"
    "RkjywawCyQezQpLFpSTJ/HFLbCBbR1maP5sEFqzVSViK6aXA7SDXJdx+uvl6enkOvtyen1"
    "3cXdxci6dYG/qnGV8UTbwBM5+D2/OTyxTVDDMzh+U5l6X5JEeA/mbyZNI/t/PzX33pZtGQ"
    "z+183bs6+fVNgunLm+uft92l+X12eXOaJtuFBqor/hKgRqSHwm0oMzq5ehxWWT0Oi1ePw8"
    "zqkdB8q7KcAI2P5Q/7FVj+sF/IsriUZDlrxlSlOoscH99HVWb1UfGsPsrMaor/QppHcyb1"
    "J6RjC5oFuocES9FsBLi3IX73KC8TjVwkXp1c7h3uTw+CWR1LwYj+zJymeGVDM2cy/+fu5r"
    "qI3wiSphfrDPwPmJh2pnZM/rX0bF3QBhYeNhm26VvxvH+/gMAUFJULzLRsFJQRylaufxf/"
    "BmmB6cANV9ty5nzxgEiQYQyIeOxoBiR2JGWXIc6luFykNkrA9MCEyLfbP8alps8vrs7v5i"
    "dXXxKj8elkfi6uzJJae9i6d5waoegm4NvF/BcgPoLfbq7P04MW9Zv/JlxrE+gxotnkUYhb"
    "iZNt87YpaX7Fjr2ao5xEqmEe9DDHntaao5wAtjDIu6NW7MQYC9/38l7yv4qGBdTvH6FraJ"
    "krZEaK+mYvWTMr3QJtuPIHSbApvmcYgeEGALbvdGgXRGgS16dlURpd9NQo71otVDM5AQuT"
    "6PfAhfYKAWjyVcnYAPEvWBIXQBuExsc/KJ98/LZL5FKAbcAv8rkN9mzhsQsA7BHr6M3bSW"
    "rqdPWMmsEkyYgysIt81UMFTsYXOGlgZj/Xvh6a6O3awI7fnxokJ0AjpPmwinOu2DeX5njp"
    "Ekvz1816i0kS9/Sisgs897iuSPYbaUK/jFLkNyZfaDB2I407iVR2ldK5S3Tueahtlundcp"
    "8KunekwFbVv/nUNfnsc6EJzm/Pfprtg+0TQxWZL+jgCzE3K2KDva93n87eIqEZO/zPN1NA"
    "bB0Bh3c2ySpP9W779jla9+8T9l1bQ7oW13k/zX8zJn+UaeNcF8AORsGS2EnOFUX80W57t1"
    "fq/iDVfWnqVQ4Tx5AR6qHHx1WypNKrvpQldZxWReNXOkNy4SRPYMakCM0Ojt4ffTg8Popm"
    "edRSNrmzKo6vJmq2Zy2CVar6ApJGjone3pX8e1TLio0AI1w5OojERzK4egLgFqEIrkBwQo"
    "2qynECpGiuQDO0iJfHcWk+SQx6djbJ0PhuPZ1EBcuVtd+xtW/byLz1TFRs68s9pk9Y+qKv"
    "5vLOHWyJ+n2y8jAf7sBQ3D4s+GRBpq+DGR59eoAmn6ql5nZ0w94s4Ndi/j7THig2bOU5UF"
    "Wyy5gRCvb2E6CTL1dVmpMoRXSlTHN53aqeai6jRkj0QRVnzUGxs+Yg46yRRUJtpiPYCKlu"
    "f/egS0xUc+WQIOPL5O9geQ6TJBe1tgElUSPYfNUXzSqLVdlf3dhfn5CJH5C7KTC+5MvTMs"
    "vLCDribswuv8ZFuDzzGzFsQ3EjbbvtW24TtlSZxeWYkC2Ja/keEAaZ539jm5tT/GVhyHJY"
    "y9UgKnzh+Ku0GWeNfpyJIEUaeeQvuIq07mpspCSxUno7qo+BjFKBqsaBqry3u3LmZQ52hA"
    "p++xUssstnE8pH6yVo36KShWZVqmXMCElu30MQC+zKQdkI0aMx5SDbEDT1w3LrhVlCJS+H"
    "52JRKUH6E5X73crJ1vJl0qpzhtdySzUHrvbjDc1aTTgyke2LzwZethyo8rY97QYyIWUacl"
    "2Sk7FTXOUoiRqBt63sJeqi1JHyvr2K9YzyRanJfpYYpuTVkMdX9n7VkFUp2PjkVPtWYkBZ"
    "yEnuLtTitPQcaCNVe2iUt6BsDyxU8I2494U7s7KdphXCBhvt0e9fcW/WjY3AFgkCJNiDwH"
    "GJjigFlL/TfEwAWyNRpmBBvr8Biw0Q33QKoG2ANXkEZMmQDTADa8gRDLp8RmW3aXX6pKfr"
    "JBQ63P3/ayxm2/6q9HDBIlaS7tVkOWthIRuayte22yB8E5poXgmk0q4Hp30NRGB99sSWlX"
    "NjVZRanOxQKqiWflcN8b4VhdS3NQEOxAZ4XBNrCqhnWcgARBTMEeKCMuLyz9Gu5I9+q3iM"
    "ECgrFzrrrDhq6Z65MfbgF4rLQXHT8ij6ts+0tXB1/Pwldumzg/AqVj3IWLU8ytVUlxgxwi"
    "BS+zuiwhezBsExQhFcgeBodaqptcg4pbMMTmfJ+Nvrj7AEUwM86AFmhEGzQSXyBO5lNo92"
    "FRVuf+eoXG+notmcwKhI+4Ccf58DI2LOX9cya0ruMn3KnuKdRVUmvbpFhWwAQaCv/INGhs"
    "0jpECsvcC/mRF73jADj8hmeXbUM+70DLfdyytnA3LdtaWalZQg8kexgSRPAJUsH7Qs342s"
    "uR1OSzQQg9jMElyceRIjVNZJ7awTF/EfTWvlJ8oQpTUNSGu68k/kKtCX4oulmlJwqlfPB/"
    "xS01u16dxdQcuCvZa5KF7+20z7H5A61dbxaCWR0O0g1iBbxoxAGHSd6emv47mh5mJpK2NG"
    "QHHf8tZf6upoj2H/EVCd2qb17l2VfVrv3hVv1BLXUjm0nIsVceuVCZAwo2O5/aw7ZBuasE"
    "XrGrkyTmWwDtnEfRBjhrTZUU415VJ/dRKozs58wmVt8t+FjdyT0UtpTuAUy0+wrJuEorwk"
    "DEJMBO0CmRCBUvwuOKorkRC19Evr6c3NZWJpOr1I6zFfr07Pb/cOUpxnk+wsxKDQ57NsF5"
    "8+KmPU8aPl+maD40c9x2i4qyiJVG7pwcnsgXid7rxFRH+B7yndZVrmgaJS507K+zQo6VPL"
    "F/Racvs6K3mqipyoIidDI7x9Q9rf61eTahmjfBVPUsyFBn7I8VSU6v4xqEfdf7t876zqv+"
    "TKc272VbHmL0GU4t+64v+nhxHT/M1L2UG5s6BpFuopKeiINsYezt4fR9qK+FCmqNxdnVxe"
    "Zmd6wA7KU0uq0IpydZLXTqowIf8idq1dpjKmR2H4dX62q/JQ3N7hCsSaeDmbYgonbhrWX9"
    "LH4ZCzPlTxlucKvp1wsyhv2qsY5qF40zaUIesKcbL1Im9aqsu01Jvmd9Ysv3fPaV3BQ7Vt"
    "NQh1/u6Id9qqk9tGui6m4nvyC11VUU/BRugdPJhVSYfkvUoqx2Yi1yFtBWf4fDYJLNLXU8"
    "AU4UuB3EHKy1IDbr6eXp6DL7fnZxd3F6E3JXp1/ItJB9bt+cllpuzlIhSeVR1YMUL5r1rx"
    "Xw1EB5u70CjadhhdK9W6mOjVs7YV7N0Ty7nQq9pTuFK59cEGgTAG0ckTlJ44Yj3RQIbnaP"
    "eoVopuAjS6rRTt5/Wz79oa0pz0zRJnagwZoX7W1m6V9N5qebWtynQWOULC2y+Ek5A7lS0P"
    "GTRCmtuf14zco7oJIDJGkVyBZIqNWgb0tv8Iya0S4yoOcWWTajymk3reCQkyupSaTvwSIW"
    "Ga//uyTJcHwTNgFQhPLQ1/5W2tKtsPsoW8TIWoXdoL4rhYr8tuhFH0PkWvmIgNypzJMEXy"
    "k4XOVKBl/IEWSjw3b6UqUREjxAiVxParDDHMzBx+i8seRIAR6Iiq5sELqeOd1DxAD+JoqL"
    "ocJ1GK6SpM+1Edt3b4OwVTXFeq5KESKgvZ5z/QuLHNzSQwhHdE8Qlt9qEm3n3z3fJnJqQU"
    "L7EOS7azFnWdloWEQ7e/nkD1HCJOPty3OHTiom7irA1CI63HRAYU5eu+/mx2dKvynkWO0Y"
    "ho/Wzv4OXJ8FySmRUhVEpWlZQsyvhaXdfDHIHGdA5aG65lrjbQUORUzXCTIMNIcRPP2+kU"
    "t2yp41oDIkGGMSA7n3OYrBUVyMFmdkcaPELTY0dMjaFv8gkMiC8uWWKzKNE002dawbpwgu"
    "7dmxVK6x+K1h8c9EURytH4qxwRtkWqmpxDW6wyZ4Q1GeQEUI3xkMc4OO4r3jqQHObiU6xS"
    "MHUkQ6a4hM9QWJ226TFsSbg6je1jWZICfFgFM1JrkM+UBSu2S9m2kIGh3ZzwXLzivJRzF0"
    "FuanNbz7FzDisqpTsNVUyXMv2Ibc3NLThf4miVQQ19rbuj6bThauV6DDEfxKQkFEehqYoq"
    "SD5YKSJpRYTPSlscQ9mE41ysojhNMaYa9aiDdJECYOYkSZbWfsxBqwLwNapAmg4n015iA9"
    "l56YslC3YG2WeE7CVkYQtrtoofDCx+oMqDNRmKnXDUDCpyUFagItVjWiFqUKNaxeQkPsaa"
    "PNpgzZcL4m7A3tIlFmBrBPg8h+DkywUgLiCeC5YIGW/E0dYbIEzLj36nBaSY32AJMKNAHJ"
    "BLs6dmd/qkV1NbQ5XBUGUwBjsUHZfBUDUaVI2Gl6f5Nddo6GkHwmus0NATtS3XZ1C7V0dq"
    "H6l94KqWwRDdbI24VVVkuq8ig6m2DRvVd9LLSOWgr+Gg59yFgaT6pEvAZpzvTkT1mYwPxV"
    "mIFmtC7oschfHVaamTMOjX81ZFqhPHX0091wwqU/bmBXstLrDOzu8UQ0YRNPNW9uIKG0nU"
    "KBwBfRfaiN6VGoqLjBkF6V0foiUIMzB1TFjLeZuCjZDqw/0qaiLvVezC3c+aOXBjEsiFJn"
    "GtvLBqMeFZZI+KuX9TrPekn7deHoki3RVHQNZexDPAUczzvtfxSPmp7H7cAkZBd9cr+LZC"
    "zKLWAp5Ejc7Ib59mB3q0tnEfg5RdX8OuD2hrkHiUAKr9YUN2q/tDpQUlGerI5DRuBEtX3w"
    "JZPB7pnjgYXltCbHpurS16RXCVvp05Rp6zI7LcKc5NIH5iQ3MarNazIa9nwdZkT9cRpQ0k"
    "Vw5cjffgxztc/pqOdxKuxnvw441cl+ScNV+srSRRSlepr6uoyqmv4e1Se01exTC7yCIPjY"
    "Y5iVSicmijPJAkgRMRp1hPchIEwivTsuQAGPd5kXJjKn7fQfz+Abm0ZgVhCTLCEEQnFe7F"
    "S1WD4bD7CNk9qBQ3PiiJGx9k48b8iQzZOUKzeG+0BOl/b/TLCMpxnNz+4/+Cjkl0"
)
