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
        DROP TABLE IF EXISTS "funder_edges";
        DROP TABLE IF EXISTS "chain_transfers";
        DROP TABLE IF EXISTS "funding_traces";
        DROP TABLE IF EXISTS "chain_scans";"""


MODELS_STATE = (
    "eJztXWtv27Ya/iuEvywFvCJx0rSnODiAk7pbDnIpEvds2DAIjETbRCTRE6mk2db/fkhJlq"
    "hrKEVyZIVfgpjko8tDinxvfPn3yCEWsunbqY08dk0eRh/B3yMXOoj/k6sbgxFcr5MaUcDg"
    "rR00hqJVUARvKfOgyXjpAtoU8SILUdPDa4aJy0td37ZFITF5Q+wukyLfxX/6yGBkidgKeb"
    "zi9z94MXYt9A1R8fPv0QIj2wr+Hz1A20bMgJblIRo+DnYQZdBZjwQOfVuLCn5XurlU9G7R"
    "/djjOnj4UdCYP3Xw4/sYpG7jQO+O3wZbnd3B9BBkyDIga/OqHvFbuKhouL4zguumhkfIR1"
    "BubLAneHnmss9BW9HFt4ZJbN9xk/brR7YibgzALhOlS+QiT1DAy5jnizEjnioaXJthFA6P"
    "pEk4LiSMhRbQt5k0xm6NpGxkGJdXc+NmNjeMUY1RaXLKOB38UWlAwFI8wo//mkwOD99P9g"
    "+PP7w7ev/+3Yf9D7xt8Lz5qvffw4dJ2AovFXB29tPZ5Vw8EOGfTfg1iYLvAQYyaCR9mrBv"
    "IctfG3foMd8JpyvoFXdBCpTpCf6K2Z7Y8N7frnDgN8NG7pKt+M/jowqW/ze9Pv15er13fP"
    "QmTfVlVDMJqr4HH9GG5Dv+WnX43bRvh9pNQcJtMp9undyJCrmTcnInOXIpukceZrUGsIwZ"
    "IMkHEwWSDyalJIuqNMn8dgtsIddEeZo/2wSWzNVpWIbphcDtINcV3H66+npyPgNfrmenZz"
    "dnV5fiLs4j/dNOKkURL8As4OB6Nj3PUM0wswtYnvO1tJjkGLC9kTwabZ/b+ezXYHVzaMTn"
    "ZrzuXUx/fZNi+vzq8qdNc2l8n55fnWTJ9qCF6i5/KVAj0qPFrS8jOj17HKrMHofls8dhbv"
    "ZISb6qLKdAw2P5w74Cyx/2S1kWVWmW82qMKtV55PD4PlIZ1Uflo/ooN6op/gsZPi0Y1J+Q"
    "iR1ol8geEixDsxXi3kb43aO8amnkS+LF9HzvcH98EI7qZBWM6c+NaYqXLrQLBvN/b64uy/"
    "iNIVl6scnAP8DGtDOxY/Tvhe+agjZw62ObYZe+Fff7zwssmIKi6gUzuzYKyghlSy+4SnCB"
    "7IK5ho9cbCsY8+UdIkH60SHitoPpkMSQlJ+GOJeiukxslIDZjomQbzf/DEtMn59dzG7m04"
    "svqd74NJ3PRM0kLbVHpXvHmR6KLwJ+OZv/DMRP8NvV5SzbaXG7+W/CtDaCPiOGSx7Ecitx"
    "sineFKXVr8SwV7OX00jdzb3u5sTSWrOXU8AWOnl3xIqd6GNh+17cSfZXUXALzbsH6FlGro"
    "ZMSFnbfJUzcbIl0IXLoJMEm+I5Iw8MVwCwe2NCt8RDk6ofV3lpTNHSoLypmqtmNAW3NjHv"
    "gAfdJQLQ5rOS9QjEX7AgHoAuiJSPHygffPyyC+RRgF3AK/nYBnuusNiFAPaATfTm7SgzdL"
    "q6R01nkqREWdhDgeihHSfDc5w0ULOfq1/3bentWsFOvp8aJKdAA6T5UMU4V26by3K88Ihj"
    "BPNmvckkjXt6UtkFnrc4r0j6G2lCv4zS5DcmX0gwbiOJO43UepWWuStk7nkkbVbJ3XIbBd"
    "k7FmBV5W8+dG0++jxog9n16Y+TfbC5YyQi8wkdfCH245K4YO/rzafTt0hIxmv+75sxIK6J"
    "wJo3tsmySPRu+/IFUvfvI/bNWEG6EvW8nRF8GaM/qqRxLgvgNUbhlNhJzBVF/NZee5fX4n"
    "4vxX1p6Cm7iRPIAOXQ42OVKKnsrC9FSR1nRdHkk86RXDrIU5ghCUKTg6P3Rx8Oj4/iUR6X"
    "VA3uvIgTiImG6zu34SylPoFkkUOid+tC/h2qpcXGgAHOHB144uM1WD0AcIPQBCsQnBKjVD"
    "lOgTTNCjRDh/hFHFfGkySgZ0eT9I3v1sNJtLNca/sda/uui+xr30blur7cYvyEpi/aGh5v"
    "3MGWqN9HSx/z7g4Vxc3Nwl8OZOYqHOHxr3to86FaqW7HF9yaBvxa1N9n6gPliq08BlRXdh"
    "kzwIW9/QDo9MelSnMapYlWijSX5y31UHMZNUCiD1SMNQflxpqDnLFGXhJqMx3DBkh1+7sH"
    "PWKjmjOHBBleJH8H03MUJHlbaxtQGjWAzVfbollHsWr9qxv96xOy8T3yHkuUL7l6XKV5WW"
    "FD3I3aFeS4iKZnfiGGXSguZGy2fctlQpeq0rjWNmQL4jmBBYRB5gdP7HJ1in8sDDlr1nI2"
    "CIUHTh5FO0J31HVREfcoDV71PpBR2o/U2I9U9PEpB0YWYAcof7efYCI/uzWhfLBKfPsKj7"
    "ymqVItYwZIcvsKfCIsKPtMY8QWdZ01ci1B03ZYbj1vSiSDFfBcvlRKkO0tlfvdrpOthbNk"
    "Jdscr9WKZAFcb5frmzKZsjMiN1g+GxjBCqDaGPa0lcaGlBnI80hBQE15EqI0agDGsKqPqI"
    "tMRNo49irmM8onpSbbTRKYXq/61r89MX5+9kVM48xalsWepBuMqwygi6CpgXhbxR0mv6wI"
    "WENsgYcVccaA+o6DLEDEjmq2QoAy4vHf8baVj0GpuA0fGWDpwfUqv62kpWsWGmHDNxTVYf"
    "arajPrps24NTtqcv8F9uizrbTaWtpLa6ncy2pSa4IYoBmj/ZDZ6MOsQXCC0AQrEBzPTjUl"
    "FhmnZdLeySw5ja9+D0sw3cG97mBGGLQbpKpM4V5md0FXdsn2txbIG7IVTb0pjLb1CmGqR7"
    "oUf9U5/1yrtCm5yfgpfYo3Ftv2TXWNCrkAglBe+YHGis0DpEDMvSC4mDUG0LXAijwAzMAD"
    "clmRHvWMKz2d/6pU93h54axHx0q0JZpV7FEPerHBSp4C6rW812v5bvhtd9gxbiEGsV3H95"
    "EgtN+jtt/DQ/ylaS0PuQzRUlOPpKaL4MiGEnkpqayUlMJjH7Z8Ahy1/WWbxt0ldBy41X2Q"
    "5dN/m4FnPRKn2jo/o2Jn5KYTa5AtYwawGHQdaxDM44UJPstXWxkzAIq3vd4GU10d6TFqPw"
    "CqM4HC796pRAq/e1ceKizqMlEcnIsl8ertI5Mwg2O5/ehg5FqG0EXrKrkyTsdQ9FnFvRd9"
    "hozJUUG6vUp7dRqoD1d6wmRt8/fCVuHRmZU0p3Ca5SdYNm1CUVEQBiE2gm7JmhCDMvzecl"
    "RXS0Jcsl1aT66uzlNT08lZVo75enEyu947yHCejw53EINCns+zXX48lYzR51NVy5sNzqfy"
    "11bDuNY0Upule7dm98TqdOPfxvSX2J6yTcZVFigqNe5k/3eDPd+1bEGvJbavs5xYeput3m"
    "bbN8LbV6TJA6ejJtUyRtsqnqSYLxr4vsBSUSn7J6Atyv6b6XtnRf8FF54Lo6/KJX8JogX/"
    "1gX/P32MmEEZ9Aok/xsH2napnJKBNvLx9sysEIksh5P3x7G0In5UCSo3F9Pz8/xID9lBRW"
    "KJCq2oUCZ57aQKFfIv4tZKZihjtrgYfp2f7up6KC6/5gLEivgFm2JKB24Wtr2gj8M+R33o"
    "7cPPXfh2wsyirWmvopv7Yk17pAw5F4iTbZZZ0zJNxpXWtKCx4QSttxzWFd7UCB5/rA9o63"
    "Ype+kD2vTRHsOcFzP+PfmDVhXUM7ABWgcPJirhkLxVRe6ynOc6oq0kyftnm8AyeT0DzBC+"
    "EMgdpLwqNODq68n5DHy5np2e3ZxF1pT40wkq0was69n0PJd46TZaPFUNWAlC269asV/1RA"
    "abe9Aq23YY11VKXUy02rK0Fe7dE9O5kKvaE7gysfXhBoHIB9HJHbScOGA50UKWvzbuUK0Q"
    "3RRocFsp2o/r16cld7RbJbu3Wp5tVZnOIwdIePuJcFLrjrLmIYMGSHP74zo4+bgmyzJGk6"
    "xAMsVWLQV6036A5Kr4uMpdXPmgGp+ZpJ51QoIMLqSmE7tERJgRvF+e6WoneA6sHeGZqeGv"
    "oq1VVftBNhB9/vRTe0HWHjbrshtjNL1P0SsGYoM0ZzJMk6zPUNeOlhElvlc0U1WIiDFigE"
    "Ji+1mGGGZ2Ab/laQ9iwABkRJ3z4IXE8U5yHqB7cThBXY7TKM20CtOBV8er7f7OwDTXSpk8"
    "dEBlKfv8Ba0r134chYrwjgg+kc7e18C7XwKz/KkNKcULbMKK7axlTcdVLuHI7G+mUFt2Ea"
    "dvHmgcJvFQN37WBq6R1n0iPfLydZ9/Nt+7qrznkUNUIlo/XTL8eHI8V0RmxQgdkqUSkkUZ"
    "n6vrWphj0JAOum7DtMzFBhotOaoRbhKkHyFu4n47HeKWT3Vcq0MkSD86ZOdjDtO5osJ1sJ"
    "nekQUPUPXYEVWj75t8QgXii0cW2C4LNM21GStoF+uwefdqhZb6+yL1hwd9UYQKJH6VI8I2"
    "SJ2Ts2+TVe6MsCadnALqPu5zH4fHfSVbB9LdXH6KVQamj2TIJZcIGIqy0zY9hi0N16exfa"
    "wKUoD3y3BEGg3imfJgzXYl2w6yMHSbE16I15xXcu4hyFVtruut3YLDiirpzkI105VMP2DX"
    "8AoTzlcYWmVQQ1vr7kg6bZhauRxD7HsxKAnFsWtKUQQpBmtBJCuI8FHpimMom3BciNUUZy"
    "nG1KA+XSNThADYBUGSlbkfC9A6AXyNLJD2mpPpLrCF3KLwxYoJO4fcpofsJdbCFuZs7T/o"
    "mf9Apwdr0hU7YajpleegKkFFpsVYwWtQI1vFaJocY00eXLDi0wXxHsHewiMOYCsE+DiHYP"
    "rlDBAPEN8DC4SsN+Jo60cgVMuPQaNbSDG/wAJgRoE4IJfmT83u9E6vJreGToOh02D0tis6"
    "ToOhczToHA0vT/NrztGwpR0IrzFDw5aobTk/g969OlD9SO8D17kM+mhma8StziLTfRYZTI"
    "2N26i+kV5GagN9DQM95y5yJNUnXQI243x3PKrPZLwnxsIp4vP9alRgJIxqxlXGQZi0eZFI"
    "Yn20ZgdHa94jj9bcHChBBqidd7J5XXxUNRiOmg+Q3YN9Jclhv0Jy2M+f6E5chtwCF1u521"
    "OCbN/t+TJL2DCSsn//P+R83Qs="
)
