from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "quarantine" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "source" VARCHAR(32) NOT NULL,
    "reason" VARCHAR(64) NOT NULL,
    "detail" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_quarantine_receive_7795ab" ON "quarantine" ("received_at");
CREATE INDEX IF NOT EXISTS "idx_quarantine_source_8c6452" ON "quarantine" ("source", "reason");
COMMENT ON TABLE "quarantine" IS 'A row refused at the trade boundary (malformed) or by the database, kept for a person.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "quarantine";"""


MODELS_STATE = (
    "eJztXWtv4zYW/SuCv2wG8A4S57lFsYCTSdss8phNPG3RohBoibaJUI8hqWQ8s/Pfl5RkiX"
    "pGciVFVvgtoXgk+VyKvC9efhtZjgkxfT/FkLB753n0g/ZtZAML8j8y18baCLhufEU0MDDH"
    "fmcgevlNYE4ZAQbjrQuAKeRNJqQGQS5Djs1bbQ9j0egYvCOyl3GTZ6PPHtSZs4RsBQm/8O"
    "dfvBnZJvwCqfj322iBIDb9v0fPAGPIdGCaBNLgdZAFKQOWOxI4+MUVF/hT6eZW4W8Ln8fW"
    "rv/yI78zf2v/n+9jLfEYC5BH/hhktvYEg0DAoKkD1uRdieM1cFPR0X3U/fsmhkfAh9+ub7"
    "DnaHlls5/8vkLEc91wsGfZcX93zVaOHQGQzUTrEtqQCAp4GyOeGDPircLBtRlGwfCIuwTj"
    "QsKYcAE8zKQxNtfjtpGu397N9IfLma6PaoxKg1PG6eCvSn0CluIV/vmvyeTw8HSyf3hydn"
    "x0enp8tn/G+/rvm710+j14mZit4FY+Z1c/X93OxAs5/LMJvibR8N3HAAb0WKYx+yY0PVd/"
    "hOusEC5WgOSLIAFKSYL/xLQkNrz3VxQW+KJjaC/Ziv97clTC8q/T+4tfpvd7J0fvklTfhl"
    "cm/qXv/ke0IfmR/6w6/G76N0PtpiHmNp5POyd3UoXcSTG5kwy5FD5BglitASxjBkjywaQC"
    "yQeTQpLFpSTJ/HELZELbgFmaf8IOKJirk7AU0wuB20GuS7j9cPfp/PpS+3h/eXH1cHV3K5"
    "5irelnHF8UTbwBMZ+D+8vpdYpqhhjOYXnG19J8kiNAdyN5NOqe29nl7/7qZtGQz8143buZ"
    "/v4uwfT13e3Pm+7S+L64vjtPk02ACesufwnQVqSHi1tfRnRy9jisMnscFs8eh5nZI6H5Vm"
    "U5ARoey2f7FVg+2y9kWVxKspw1Y6pSnUUOj++jKqP6qHhUH2VGNUVfoe7RnEH9ARrIArhA"
    "95BgKZrNAPc+xO8e5WVLI18Sb6bXe4f744NgVMerYER/ZkxTtLQBzhnM/3m4uy3iN4Kk6U"
    "UG0/6nYURbUztGPy482xC0aXMPYYZs+l4879+vsGAKisoXzPTaKChzKFsS/y7+DdILpgvW"
    "XG3LGfPFApEg/RCIeOxgBBI7krLTEOdSXC5SGyVgWjAh8v3mj2Gp6bOrm8uH2fTmY0IaH6"
    "azS3FlktTaw9a9k5SEoptov13NftHEv9ofd7eXaaFF/WZ/CNfaCHjM0W3nWSy3Eieb5k1T"
    "0vyKHXs1pZxEKjH3Wsyxp7WmlBPABoS8O2rFTshY+L4Xj5L/VTTMgfH4DIipZ644E6eob/"
    "aSNbHSLcAGS19Igk3xnmEEhhsAtg3xvYdhQYwm1WNcFqkxgr464Z1bCNj8OVry9doM7b/N"
    "w4L/LMCMVTDAo/+eAOZD9a+yOE90w87iGG8liDE5ODo9Ojs8OYpiF1FLWcji5fCEPAaqWr"
    "MyZoDO3ebdM8mPqyrNSZQiupIfTJ63qjvCZNQAiT44qRKuSC/aUrjiJJ/oYEmozXQEGyDV"
    "zcc2iYNhzZlDggzPz9jC9ByacPNaQYokagChoa5oVja2sr/asb8+QIyeIFkXGF/y5XGZ5W"
    "UGHVE7ZpefgRdOz/xGDNlA3EjfJKXIbcKWKrO4XAzYwiGW7+5ngHn+G9vcnOIfC4OWyxrO"
    "VavwwvGrqHS2waWzyYO3ugxk1MuS2IEJu0thyLmE2Y+vekphFjtA/bv59Lfs7LYN5YM14p"
    "s3eOQ1rSrVMmaAJDdvwMfKQuWUzgjRoa3jQtsUNHXDcuNZnaEOlsNz8VIpQbpbKvfbXSf/"
    "pvs6JjSt2WZ4LTckc+AqmNc3YzLhZ4S2v3xu4QTLgSpn2MteGgwo0yEhDsmSXZwinUQNwB"
    "nWdZ60co69ifmM8klpCxlLMLVe9U2+PXF+3vjp/AWuz/jiuMzxGWwJ6Hh3MMXeskkX5RJY"
    "Fug0C6VYCWnS7O/RDs6m9laU5KVshFiDbBkzABWkbU2P/0Tqv1MNPU/GDIDirrU8f6qrMa"
    "I3/QdAdcpNe3xcxU97fFzsqBXXUjo052LpkHpRfAkzOJab981C29SFpllXgZVxSoPtmwYr"
    "S/hJyAzqk6NVjozLtt0lgWrjHZQ/suzGO8x/FzJzyyqU0pzAKZZfYNnADoV5wWrHwRDYBW"
    "tCBErxO+eotpaEqKVbWs/v7q4TU9P5VVqP+XRzfnm/d5DiPOubtyADQp/Psl28dVHGqL2L"
    "5frmFnsXPdfc0quYRCqvYu/W7J54nf7rAQJs/uUU7XhKdhiXeZ8+R10rOaBGU404zxqBC4"
    "9P1xpgGltBza8dos0dzzYBWWt7fB0UiQHQfKc5RJuv/U5iypkDcc9H6DKNd9CA5kJCHfv9"
    "KDV8WnxMTUcZgQZET42Xn6OOR4L6QQQC/moqbW9XM8WK3WmxjCu7HiLEAPNpmnemhZ9ODY"
    "JjxAAJbt7zYHJNEeE6vsoYMQDHTteeysIyJMV8F5chUYS/TLi8uNfU1VNQpawrZT1fWX/w"
    "5hH9Bep6ukupwk6lzq1sldlie4wqH9Bl+QC1I0HtSOgb4c3rns4zp6Mm1TJmAOpQ2xTzRY"
    "OrMDUd9TGoQ0f9ZvreWT/9AmEGSa2SjxJEeekb99J/9hBkOmWA5Kj+DxbAuFBPSUG32jDS"
    "sxhgqLIcTk5PIm1F/FOmqDzcTK+vsyM9YAfmqSVVaIW5OslbJ1WYkF8du5YzUcZ0uBh+ml"
    "3s6noobu9yBWLleDkbMQoHbhrW3Q6yw13ZQqZ2Wmyz8O2Em0WFvt+EmPviTVtTBq0byMk2"
    "irxpqS7jUm+a31m3/N4d78EIHqr7rz9u6vA0FQvuZSxYFTQf6LyYSsaTP+iqinoKNkDv4M"
    "Gkyt4l3qukzEMmzTSkraAeZsn5XWmgOsGrygle/GfDemeWxAjlv2rEf9UTHWwm0vAKlK/o"
    "WqnW5SfyqfNwt3uC0hMHrCeqk2s7yBtkX/QVoDl7rUqcqTFkgPrZAI/t6zfhzZ/b90qnUf"
    "ab5ubHNXMeYd0EEBmjSK5AMkVmvbT5sP8Aya0S4yoOcWWTajxmOPW8ExJkcCk1rfglQsJ0"
    "//dlmS4PgmfAKhCemhq+5tVBeOlo2jwnRO19232bKRrfuO0SlLdfqZTdCKPoffnY39c/Wn"
    "nwJKtAyxsItKidlS1XKmeI4Rx+i/ehRYAB6Ihd70JTBcraLFAGn0Qd17ocJ1GK6SpM+1Ed"
    "Ujv8nYIpriuV3VMJlYXs8x9o3tl4PQoM4R1RfEKbva+Jd7/5bvkLDChFC2SAku2sRV3HZS"
    "Hh0O1vJFAdh4iTD/ctDsMhsJ046xahkcZjIj2K8jUVESkOrWalW5X3LHKIRkTjB/EEH0+G"
    "55LMrAihUrKqpGRRxufquh7mCDSkMwGbcC0HtYFqZbhJkH6kuInn7XSKW7b6UC2BSJB+CG"
    "Tncw6ThV2DdXA7uyMNHqDpsSOmRt83+QQGxEfiLBAuSjTN9BlXsC7coHv7ZoXS+vui9S8Q"
    "oUynEOZo/OUTVhKpCuj3bbLKHKC3jZATQCXjPsuYOQxgPd46kBRzob2ThqnzXTPFJXyGwq"
    "Mk6ucn5MFfJ0+hLcIbT1IAT8tgROpb5DNlwYrtUrYtaCJgb094Ll5xXso5gYCb2tzWc+2c"
    "+sGldKehiulSpp+RrZPc06FKHK0yaEtf6+5oOk24Wrke42BR7pdrNSgKTVVUQfLBShFJKy"
    "J8VNr8eVtxnItVFKcpRlSnHnWhIVIAcE6SZGntxxy0Oq2pRhVI7HIy7QUyoZ2XvlgyYWeQ"
    "XUbIXmMtbGDOVvGDnsUPVHmwbUSxE46aXkUOygpUpHqMK0QNalSrGE21APQPqjnPtrbi04"
    "UjjqpaEMfyj6fi4xxo049X4sQqxyPaAkLz3VgD9loTpuUPfqc5oIjfYKEhRjXKAKN5J2S1"
    "+KQ3U1tDlcFQZTB6K4qWy2CoGg2qRsPr0/yWazR0tAPhLVZo6IjahuszqN2rA7WP1D5wVc"
    "ugj262rbhVVWTaryKDqL4JG9V30stI5aCv4aDn3IWBpPqkS8DtON+diOrfZLwnzsIp5PP9"
    "apTjJAyvjMucgyDu8yqZxOpozRaO1nyChNbcHChBBmidt7J5XXxUNRgOuw+Q3YP9SprDfo"
    "nmsJ/RHPgTGbRzQmzFYU8J0n3Y83WWsGEUZf/+f5azuns="
)
