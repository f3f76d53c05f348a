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
        ALTER TABLE "markets" ADD "resolved_at" TIMESTAMP;
        ALTER TABLE "markets" ADD "closed_time" TIMESTAMP;
        ALTER TABLE "markets" ADD "resolution" VARCHAR(12) NOT NULL DEFAULT 'unresolved';
        ALTER TABLE "markets" ADD "winning_index" SMALLINT;
        ALTER TABLE "markets" ADD "winning_token_id" VARCHAR(80) NOT NULL DEFAULT '';
        ALTER TABLE "markets" ADD "payouts" JSON;
        CREATE INDEX IF NOT EXISTS "idx_markets_closed__4b309b" ON "markets" ("closed_time");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_markets_closed__4b309b";
        ALTER TABLE "markets" DROP COLUMN "resolved_at";
        ALTER TABLE "markets" DROP COLUMN "closed_time";
        ALTER TABLE "markets" DROP COLUMN "resolution";
        ALTER TABLE "markets" DROP COLUMN "winning_index";
        ALTER TABLE "markets" DROP COLUMN "winning_token_id";
        ALTER TABLE "markets" DROP COLUMN "payouts";
        DROP TABLE IF EXISTS "ingest_checkpoints";
        DROP TABLE IF EXISTS "price_points";"""


MODELS_STATE = (
    "eJztXWtz2za6/isYfakzo3pi2XGy3Z2dcRy39Y4T58TOaWd7dliIhCSOKYIlQDtqN//9AO"
    "ANvJqgSZpi8GW3IfGQ8gMQ7/3FX7MttpBDDs8c5NNP+GH2A/hr5sItYv9RuDcHM+h56R1+"
    "gcKlIwZDPkpcgktCfWhSdnUFHYLYJQsR07c9amOXXXUDx+EXsckG2u46vRS49h8BMiheI7"
    "pBPrvx23/YZdu10BdE+D//mq1s5Fjiv2cP0HEQNaBl+YiEP8feIkLh1ptxHPri8RvsrSR+"
    "VPS3Re+jO0/8+JkYzH61+MfXOci8Zgv9O/Ya2+rtDaaPIEWWAWmXT/Vx0MFD+UDvzhDPzS"
    "yPkA9x3Yixb+31pUt/FGP5FC8NEzvB1k3Hezu6wW4CsF3Kr66Ri3xOAbtG/YCvGf6rosUV"
    "L6NweaRDwnUhYSy0goFDpTW2NNJrM8P4cH1r3FzcGsZMYVWajDJGB/upRBCw5j/h+78tFs"
    "fHrxcvj0/fvDp5/frVm5dv2Fjxe4u3Xn8Nf0zKVvgowdnlT5cfbvkPwuyzCb8mfuGrwEAK"
    "jXROU/YtZAWecYd2xUk430C/fAoyoNxMsD8xPxMx7+Odii38YjjIXdMN++fpSQ3L/3v26f"
    "zns08HpycvslR/iO4sxK2v4iOKSb5jf5YKv/H4bqiNL6Tcpvvp4OQumpC7qCZ3USCXoHvk"
    "21RpAcuYCZJ8tGhA8tGikmR+K0sye93KtpBroiLNPzoYVuzVWViO6RXH7SHXNdy+u/789u"
    "oCfPx0cX55c3n9gb9luyN/OOlNfoldsKng4NPF2VWOampTp4TlWyZLy0lOAMOt5NlseG5v"
    "L34V0m1LIj7j9Xrw/uzXFxmmr64//BQPl9b3+dX12zzZPrSQqvjLgFqRHgm3sazo7O5x3G"
    "T3OK7ePY4Lu0dG823KcgY0PZbfvGzA8puXlSzzW1mWi2ZMU6qLyOnxfdJkVZ9Ur+qTwqom"
    "9p/ICEjJon6HTHsLnQrdQ4LlaLZC3GGE3z/K60QjE4nvz64Ojl/Oj8JVnUrBhP7Cmib22o"
    "VOyWL+1831hyp+E0ieXtuk4L/AsUlvasfsH6vANTltYBnYDrVdcsjf989nEJiconqBmZeN"
    "nDJM6NoXTxEPyAtMD+6Y2lay5qsnRIKMY0L4ayczIakjqbgNMS757Sq1UQLmJyZCHsb/MS"
    "01/fby/cXN7dn7j5nZeHd2e8HvLLJae3T14DQ3Q8lDwC+Xtz8D/k/w7+sPF/lJS8bd/pu7"
    "1mYwoNhw8QMXtxIn8eX4Utb8Sh17irOcReppHvU0p55WxVnOADuY5P1RK/Zijrnve3Un+V"
    "/5hSU07x6gbxmFO3iBq8YWb20X2/wV6MK1mCTOJv+dUQSGGQC2e2NCtyJCk7k/r4vSmHyk"
    "QdjQZqGa2RlYOti8Az501whAh+1K1g7w/wUr7APogsj4+I6wxcceu0I+AbYL2E22tsGByz"
    "12IYA+2CZ6cTjLLZ2+3qEYTJKMKMv2kVA9dOBkeoGTFmb2U+3rsYnevg3s9PtRIDkDmiDN"
    "x02cc9W+uTzHKx9vDbFvqm0mWdzjm8o+8DzgviLZb7gN/TJKk9+afK7BuK007ixS21Va56"
    "7RuW8jbbNO75bHNNC9EwW2qf7Nlq7DVp8PHXDx6fz7xUsQvzFSkdmGDj5iZ7fGLjj4fPPu"
    "/BBxzdhj//liDrBrIuCxwQ5el6neXT++ROv+bUa/GBtINvw+G2eIL2P2nzptnOkCtmejcE"
    "vsJeeKIPZqv7vHa3V/lOq+tPQah4lTyAT10NPTJllS+V1fypI6zaui6SddILlykWcwU1KE"
    "Fkcnr0/eHJ+eJKs8uVK3uIsqjlATDTfYLsNdqvkGkkdOid7Blfw7pGTFJoAJ7hw9ROITGd"
    "w8ATBGaIIbEJxRo5pynAFpmhvQDLc4KOO4Np8kBT05m2RsfHeeTqKD5dra79nad13kfAoc"
    "VG3ryyPmj1j6fKzhs8E9lET9NlsHNpvu0FCMXxb+awupuQlXePKve+iwpVprbicPHMwC/l"
    "bM3yfaA9WGrbwGmkp2GTNBwd59AnT242pKcxaliW6UaS7vW81TzWXUBIk+auKsOap21hwV"
    "nDWySFBmOoFNkOruqwd97CDFnUOCTC+Tv4ftOUqSXCqVAWVREyi+GopmncWq7a9+7K93yL"
    "Hvkb+rML7k2/M6y8sKB9r9mF2ix0W0PbMHUduF/EFGXPYtX+O2VJ3F5TmQrrC/FR4QCmkg"
    "frHLzCn2sVC09WjH3SAa/OD0p3QZZ03+OAdBggz8wD5wHWnd19hITWKl9HU0nwMZpQNVrQ"
    "NVZV9348zLEuwEFfzuO1gUt882lE/WS9C9RSULzaZUy5gJkty9hyAV2I2DsgliQGPKQ67F"
    "aRqG5c4bs0RKXgnP1aJSggwnKl/2Kyc7y5fJq84FXust1RK4rscbm7WacWQiV4jPFl62Eq"
    "j2tj3uBnIgoQbyfVySsVPd5SiLmoC3re4j6qPVkfa+fRP7GWGbUpt6lhSm5dWY51f2finI"
    "qhxsenKqeysxpCzipLQKtTotvQTaStUeG+UdKNsjCxX8gv27ysqs4qB5g7DBzngQ4xvWZl"
    "27CMRIECLBAQSej01ECCDsm2ZzAugG8TYFS/zlBVjuAP+lcwBdC2zwA8ArilxgU7CBDEGh"
    "z1ZUsUyr1zc93ieh0uEu/l9hM4vH69bDFZtYTbpXm+2sg41sbCpf126D6Etoo3llkFq7Hp"
    "32NRKB9SNC1g1l014hqzL3a8XUio00uLMVNRNQN1voOEIMWECkbhEhIrgcAfxZ4A4hjwBo"
    "+phJER+JFU3AAR8k7j/wymDez7Wka0/XD9diaB/EkHLi4JRTBhevXjUJKb56VR1T5PeyAi"
    "nwrJbunixSCyQtkCoEUsBrKC+sdaVEygyoF0liqIHY2IZW0y8bDDxos/1/g7dzQIItlyCY"
    "d3DjooFQ7LN/J20yfhBX+Wu4hbP2obcpyqKOnlma9BX+hfx22G27Pq0rHjPvLH8qff/K9s"
    "mTs8J08tQok6fkWW4mWFPEBCVr9yW60YepQHCK0AQ3IDjZnRS1FhmndZbR6SyFALD6DEsw"
    "PcGjnmCKKXRaHI2RwT1PN4O+0pRqprdlKwO5AVxDP24Go1O/RhSN+jE0Im7Z51pnTclD5o"
    "/ZU2wwbxNoNreokAsgCPWV70hi2DxAAvjeC8TDrDQUZFPwgFxaZkc94UlPcOA9v3I2Iide"
    "V6pZTU88MYstJHkGqGX5qGX5fqRx73GevIUotJ0iwdWpkClCp0Eqp0H6iP3RRClhXoZorW"
    "lEWtOlu2bzcr5B5p2H2d9XoTmVDavVnmwBMMwE0VCD+pmpMivog9897Ox4h3AQPul3sMZ0"
    "Lvobh6daCsWH7ZNrBA7CTuI+W28+OuS8UIY4lN5dEjTt80Wl3uvMYZzieQX/tfYIj9Ij/E"
    "xnr45bind/+Gr4TahpSeupBrS7V5LMwCdq9SIpQitJLZQkyORCmfuu/hi6FKaLCMZs1FnY"
    "Ldms3mLsIOhWGB0RJDexS4bp63NKrgw7m2+vr68yE/n2Mv/JfH7/9oLtYDlnbTEr1McPJY"
    "ZGnfITIyZjZwzcwEKnPU12AxuJ0fle6MYVpmZ6c15nYIb6dQ/NpepyiogTrLvMKFrD7RY+"
    "tdlv7pmmgwn7BsUXNlh6UrWS3qUBNKLQQFfmT02ZSbw2FMiWMRPQ2fsuoxc+ydI6nmqjSM"
    "ZMgOKhzSKxgyqs6Hj8BKgeIGPdZFyssa/Wg1XCTI7l7kuakWsZVlT3o6Ibyzht2Y9NMZZn"
    "+J7PGTIWJyVH1dXmXmWBT06+2p8pbpd+5bC/y7ZsWrJb1dKcwWmWH2E5NAcUPVUpSPuqFH"
    "xVW0Qh1+eLbP/r5vpDRZxIwuQXs21S8F/g2KQ3z9XsH6vAFWe9g2VgO9R2ySF/7T+fQd/k"
    "HNXrm3nVMrf58wfk9U3tzPomZLbs9FCc5xxU62Zjnmf2KDZx5TZ73TGKMmpAIydwxavvkd"
    "XXftp3c9QH23V5FnTFqcKi9UBlJKYAnlADp+PF69MkDMP/URd4uWF621VRX4j5EUfVKrr6"
    "yrCTM9+7TzLx4A4HZamL1RqaBHmSgjaydTy0JhbvhC1UsRxUi+ixieiRxBU/+raJPtaksW"
    "YHzOviix4faqikrvIPAQjY9xubNzrYgRAO8ApgVzSEM/EWAbFlg4Mw3xRZIBr9dzHIxw8i"
    "+ZQv5JK01b5eUpqyKsuW9Pje2q4LmbRHCTPXfRK61kCeOSu2jdLyPMrK3gWFderxwDTrQ8"
    "0nqphkVH8uNRVjDQnmeUrpxx5oGIne9z8B9KFLbbeq8Ds7oFbv+yMZ2kzrOxPKlI9WAWFa"
    "FqSioRXDWAgsceBakGloB2yJ8IOPkPUCYJ83BOaDuGRdQv7MO+RRwAYAyLUygt2i3tffax"
    "RT4HxkIjuyxTrMWiM48MMvzUeQ/TStMU5PY0znuHH2T4KYoBrTfT5b9OkoEJwiJkhw98k/"
    "utB80GRBD+4cDEv27Gq+JYgmvEXRWirci4ryIz7aDFTbQqOzhUairN8Ey4T+CnU9P6RWYS"
    "fS4F7OGm9xvriSAvqtaJ9PPCiiWq/UJy4/nm2uT1zed91THDymSLWMmYA61DfFTGgwFabE"
    "RVCXK5uCBsyVjbfvvU2VXdkOLe28WZ2HIUF0omy96t8iPeOPwEbUEEfDFCelPs0rB9VJXi"
    "XEojK1pAmtqFQn+dZJ5Sbkn6UdOGqCzxJmQGH4+fZ8X+Uhf7zHFIgNDkoaB1Uu3DxsuEYc"
    "x2Pu+KdPkn6q4NsLN4uuPvkmpnks3rQdoWj7HjGyzSpvWm7IvNabJgYbWzF64O4q4UuN+E"
    "xAnT044Viwzria6L6Yq4eVP+jG+YtZ2AS9g0eLJimMbFRNpVYxVzSkreJc0B8dDKv09Rww"
    "R/iKI/eQ8roMt+vPb68uwMdPF+eXN5eRNyX5dMTNrAPr08XZVb59AVxGwrOpAytFaP9VJ/"
    "6rkehgtzwNr0L5Su7Val0ikW9gbSs8t4Vv51yv6k7hyiX29VAQknuD1hMnrCdayAo84w4p"
    "tbTKgCbXerD7vEH6xdhAUtLuqMaZmkImqJ91X2FS3G2bMl1ETpDw7g9B1ZVTw1RO6SrA/k"
    "kmtqWWNh+NnyC5TWJc1SGuYlJNWC2tQq4EmVxKTS9+iYiwdi1kCmAdCM9tDX+q1jTGEF3S"
    "+FjvRF0x2iu9fCG2OOJahmmSHz3kWgdaph9o0ZWVPR+eRm3qlPBbXYeWACagIw5dhabPCO"
    "jzjAB0j1xqqHKcRWmmmzAtojq+cvg7B9NcNzr5QidUVrLP/kDr2nV2s9AQ3hPFJ7LZx5p4"
    "94twy5/x4h+b7iqiv8VB87owcOTqj1r1GTDCCdCjjWiuo75+eAUg4A9AFggfGPf++4HdCF"
    "vG8B4wLuZRYsCLHgUmelmx9UyXDy4tsJVCGzxmV9tfsPNwtY77jjLu2yJQpiNkahEyxaB6"
    "p+H0UVHbQ0BdO12m73RRbTUw4fYCPZxWj13LbtFcII+bnPXUfXRZx+d6jc+NPXQ/0LrtOH"
    "CvHjbSEaP5ZKOefZX9ds6tPqC1F917VD6hcwcSYq9sE9a0OKsaOm/gHzIzqIHLBrIvF+ve"
    "xH5PR82PwQswoszvrnwA1W6X4uw23qUKyCnaOZ2frxZ+PAWea6r1EoQu02tSpkco26tVrZ"
    "oENFzrkv0wZ8J+0UpVjxJkHGWP/H17XfZY7EitNCESZBwTsvd1qNmTaEM52C4WnQdrF/Do"
    "XMCjsjV+DgOwtUaGNGbeOPpsNyxHnp1FseDvCPiInV1YQRUHhufAxFuP3UUg8ADFwKaEja"
    "fI5+PA7ytEzQ1b7IFLbef3v4vbPn4gAIYqTu4IlJ7e9H+u7YKK2DuArpW/x1aRcDETcEBM"
    "6PIWq1wnOwyHkcoD9erMqvj3PfFUFW1JjcWSyiw4VTlQAGs5MDo5kOlmm369LWdai/s9mG"
    "YLebSkSr7elkxA2pbMt4D2Cc0kuSl9OAW0PhZ6zN+Ow1h/wnSXwPV8j3m+Q/WcGCIvVOXU"
    "kyJwQikFnTUQxkuC/HYnNeWg+jMa82cUdgZjH0PgmmICCpNdezhFGXzAYyqSK3t7TgWbSu"
    "zwj6XtDJQ/QM+BwhwEbL9SLaKSMZNLmuisgmpUvsyPkVut1pkpD5or1NIkPrumXs34u+Ul"
    "LdhDLoifUFMHU3psc9vnKDoQY2+droXRtTC6Fka1Fmb/0s0HI1snnO+VV80mBhczilqqhB"
    "pQNX0eG7BDzVSn8/ZeSgfv10abjPQMTif9P5qYjglt0YtLhmmSHyPZR9CxCbIMzy0LCdcR"
    "nYfqOotapsVZFi3WcwanOa7leO9aT+4Ns4nPUN25n4Nq5/6YnfvItQw+E6qTLOP0DI95hn"
    "1kIbRtETRIYfpU8Xp7bFw+bB+vbKfqMKDCmHkDD7YXDu+/zE/njo4md1TkNhFU5sZpkhUV"
    "I7VsGLNscGDLSc4A9RyPeY4pptAx0uPdGuZA5WHDpY7uywHqIUP3nLE2dn4ZXBultUYpd6"
    "iKFWm0MPyLYM12LdtM+beh257wUrzmXLtnR8H0g+0afqnjo6bxgQxq2ftgfzSdLlofJL7A"
    "TPJTQxWkHKwVkbwiwlaly97XiuNSrKa4JKWBBMRDJm/T7pT0VH0stSGP1tm3CjkOjsfIdF"
    "e2hdyyIHzNhl1ADtmx5jlkYQd7tu7nMbJ+HoFntTxYIovUpb2jc9SMKnJwyy212rhBMmLe"
    "IGqQ+o6UWnjgBzdOQgcHKx9vAd0gwNY5BGcfL0UOe+CDFULWizmA7g5w0/IHMWgJiU14Uj"
    "tvrUEopKQsHb7HNykmzBfP1e7mQAm+eUivyRwprY+smHCavoWswDMUT1XIgCYXKus+HbT4"
    "1TZluoicYLJ+95URmf2rKdcZ0ARp7r4mguI7pFp8ImMml0nePcW6FX8/rfj1YTcTtY/0Wd"
    "365IUxutlacRvVDaoIAAkyORlwtGgiX9moml7mBY5tYsRhI3UnvYzUDnoFBz3jLgokqZMu"
    "Adtxvj8R1YmkGaPlBuO7Kkdhende6yQMxw18dAgxsSd208B3jA0km+G8YN+KC+yJMddq5x"
    "afMoKgU7az37JZqQiBZFCTcATUKfUXv97Wx58Snf7q+sNP8fB8UCoXf4q/FQXFRcZMgvSs"
    "7nLaxIA9rbZgT4unyTHCLJt4DlRy3uZgE6T6+GUTNZGNqnbhviyaOXDnYMiEJva3ZWHVas"
    "KLyAEVc/FQ2xxIP+/8RFWCTB/RFpt4ATiJdT70Pp4oP43djzFgEnT3vYOzJSqSLZZqvVgy"
    "qMkZ+d3T7MGAKBv3KUjb9Qp2fUhbi8SjDFDXh43ZrS6mygiPSFORyXncBLauoQUyfz0yA2"
    "rfI2MFbSfwlUr0quA6fbtwzgNjh2e5E7s0gfiRguY8WO9nY97PwtLkwDQRIS0kVwlcz/fo"
    "5zva/trOdxau53v08418H/sq2koWpXUVdV0lslNbnCiaQeokm1F/XbrW5JuYZh9tcdvufj"
    "JSi8qxzfJIkgTOeJxiMytJEIjuzOuSA2A65lnajen4fQ/x+3vk8xQLFee4BJlgCKKzM3Qy"
    "PXK8kiTomi55Xlnq8xTYPWoUNz6qiRsfFePG7I0UuSVCs7o2WoIMXxv9PIKysyroZxVmX/"
    "8fa/nPbQ=="
)
