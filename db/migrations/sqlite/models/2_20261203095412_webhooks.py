from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "webhooks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url_sealed" TEXT NOT NULL,
    "url_hash" VARCHAR(64) NOT NULL,
    "url_display" VARCHAR(300) NOT NULL,
    "payload_format" VARCHAR(16) NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "scope" VARCHAR(64) NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "paused" INT NOT NULL,
    "paused_at" TIMESTAMP,
    "pause_reason" TEXT NOT NULL,
    "consecutive_failures" INT NOT NULL,
    "failing_since" TIMESTAMP,
    "last_success_at" TIMESTAMP,
    "last_failure_at" TIMESTAMP,
    "last_error" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "removed_at" TIMESTAMP
);
CREATE INDEX IF NOT EXISTS "idx_webhooks_scope_018bb7" ON "webhooks" ("scope", "url_hash");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webhooks";"""


MODELS_STATE = (
    "eJztXW1v2zgS/iuCv1wK+IrEeb3F4QAnze7mkJcica+LXSwEWqJtIpSoilRSt9v/fqTe3y"
    "NpJUVW+KkNxUeSn6E4w5nh8PvEIDrE9P0cQ5vdk+fJT8r3iQkMyP+TuTZVJsCyoiuigYEl"
    "djsD0cttAkvKbKAx3roCmELepEOq2chiiJi81XQwFo1E4x2RuY6aHBN9caDKyBqyDbT5hT"
    "/+5M3I1OFXSMWf3ycrBLHu/n/yDDCGTAW6bkPqvQ4yIGXAsCYCB79a4gJ/Kg1u5f82/3ls"
    "a7kvP3E787d2//gxVRKPMYD9yB+D9M6eoNkQMKirgLV5V5s4LdxUdLQeVfe+ieHh8eG2qw"
    "H2HK2vTPaz21eIeKlqBDuGGfW3tmxDzBCATCZa19CEtqCAtzHbEWNGvJU/uIJh5A2PqIs3"
    "LmIYHa6Ag1lsjC3VqG2iqrd3C/XhcqGqkxqjUuOUcTr4q1KXgLV4hX/+azY7PDyd7R+enB"
    "0fnZ4en+2f8b7u+2Yvnf7wXiZiy7uVy9nVL1e3C/FChH823tckGn64GMCAGsk0Yl+HumOp"
    "j3CbFcLFBtj5IkiAUpLgPzEtiYD34YrCAF9VDM012/A/T45KWP7f/P7i1/n93snRuyTVt/"
    "6VmXvph/sRBSQ/8p9Vh9+gfzvUBg0Rt9F82ju5syrkzorJnWXIpfAJ2ojVGsBxzAhJPphV"
    "IPlgVkiyuJQkmT9uhXRoajBL88+YgIK5OglLMb0SuB3kuoTbD3efzq8vlY/3lxdXD1d3t+"
    "IpxpZ+wdFF0cQbEHM5uL+cX6eoZojhHJYXXJfmkxwC+hvJk0n/3C4uf3O1m0F9PoPxuncz"
    "/+1dgunru9tfgu6x8X1xfXeeJtsGOqyr/hKgRqT7ym0oIzo5exxWmT0Oi2ePw8zskbB8q7"
    "KcAI2P5bP9Ciyf7ReyLC4lWc4uY6pSnUWOj++jKqP6qHhUH2VGNUXfoOrQnEH9AWrIALjA"
    "9ojBUjTrHu69j989ystUI1eJN/PrvcP96YE3qiMtGNKfGdMUrU2Acwbzfx/ubov4DSFpep"
    "HGlL8UjGhnZsfk3yvH1ARtytJBmCGTvhfP+88rKExBUbnCTOtGQRmhbG27d3FvkFaYFthy"
    "sy1nzBcLJAYZhkDEY0cjkMiRlJ2GOJficpHZGAOmBeMj3wf/GZeZvri6uXxYzG8+JqTxYb"
    "64FFdmSavdb907SUkovIny+WrxqyL+VH6/u71MCy3st/hduNYmwGFENcmzULcxToLmoCm5"
    "/IocezWlnERKMQ9azJGntaaUE8AWhLw7ZsVOyFj4vlePMf+raFgC7fEZ2LqauUJmpKhv9p"
    "IxM9ItwARrV0iCTfGefgSGLwBME+J7B8OCGE2qx7QsUqN5fVWbd+4gYPPHZM31te6v/4KH"
    "eX8ZgGkbb4CHfz0BzIfqn2VxnvCGvcUx3koQY3ZwdHp0dnhyFMYuwpaykMXL4Yn4GKi6mo"
    "1jRujcbd89k/y4qtKcREmiK/nB4vNWdUdYHDVCog9OqoQr0ko7Fq44ySfaUwm1mQ5hI6S6"
    "/dimTTCsOXPEIOPzM3YwPftLuGWtIEUSNYLQUF80yzW2XH91s/76ADF6gva2YPEVvzwtW3"
    "npXkfUzbLLzcDzp2d+I4ZMIG6kBkkp8TaxlipbcVkYsBWxDdfdzwBz3Dc2+XKKfywMGhZr"
    "OVetwgtHr9Lic6MfhyGgUCXP/AOX+XLjy5eLfx3VZRBHvSyJHdAIfQojnqyY/bqr5yxmsS"
    "M08NvPr8tOn00oH62XoP0VVVxpVqU6jhkhye17CCKFXTlnNET0uJiyoKkLmvphufW0Ud/I"
    "y+G5WFXGIP2pyv1u9eTf9I9HhKZN5wyv5SvVHLiMFg5ttZpwZELTVZ8NvGw5UOlte9kNhA"
    "FlKrRtYmfJLs7BTqJG4G3rOxFbet/exHxG+aTUQMYxmNRXQ5Zv3PtVQ1elYOPTU+2vEj3K"
    "fE7Eu1U3sfOgjUztoVHegrE9sFDBZ2I/QvuFgEHUaVohbLBVn93+1YIHkzsTKgFS8ZDKHl"
    "Asm2iQUoXyb5rLRGEbqBCHLcnXd8pyq4g3nSrA1JUNeVbIikFTQUzZAI5gwOYj6v0kJdNu"
    "n/RySYBCh7v7b43JLOgvN0YXTGIl6V5NprMWJrKhmXxtuw38L6GJ5ZVASut6cNbXQBTWjb"
    "tbs0BRRRdLFZS347Pn4i8UO+s2I8FrYBig1yTjYk3UZtBlQHqora2zJXooEGINsuOYETiA"
    "uvaz8Z9I8xV9sZctjhkBxX372NyprsaIDvqPgOpUkPz4uEqU/Pi4OEwurqU8mJyLNbHrJW"
    "nGMKNjuX2fBzR1VZiadY3YOE76D4dmwcYl/CRkBtXZ0SZHxmVVFZJAWVcBxj+ybF0FzH8X"
    "0nOrZpXSnMBJll9gWcOEwrxUQUIwBGaBTghBKX6XHNWVSghb+qX1/O7uOjE1nV+l7ZhPN+"
    "eX93sHKc6zLg4DMiDs+SzbxZUp4hhZmqLc3mxQmsKx9IYx3SRSep0Gp7MH4nV6cJYh/QW+"
    "p3SXaZkHisY6d7K5osGGCrnhvM8N5zLFXKaYD43w9hfSbqZFTarjGOmreJFirjTQU46not"
    "T2j0A92v7B9L2zpv+KG89+PkNVyz8GkYZ/64b/FwdBprqh46xQHgyAcaGdkoKOKC3pcHZ6"
    "Elor4o8yQ+XhZn59nR3pHjswzyypQivMtUneOqliCfmNmLVyfOKYHpXhp8XFrupDcXuLGx"
    "Ab4uSkhhYO3DSsv/Sew13ZEyRT55sovp1ws0hv2psQ81C8aVvKoHEDOdlakTct1WVa6k1z"
    "O6uG27vntC7voWqQi9vOcVuyJscga3LIEtgjnRdT8b34B13VUE/BRugdPJhVSYfkvUr27W"
    "ci1z5tBRUUS058SgPlmU9VznziPxvWO+UiQkj/VSv+q4HYYAtxtlSB8RVeK7W63NOp5Amq"
    "zZ4g7cQR24nyrNMe8vrZV3UDaE76ZokzNYKM0D4b4UFvwya8/ZPeXun8wmHT3P64ZuQR1k"
    "0AiWMkyRVIpkivtYAO+o+Q3CoxruIQVzapxmEaqeediEFGl1LTiV/CJ0x1f1+W6fIgeAYs"
    "A+GpqeFb3taqlw4zzXNC1N4KMrSZovW9IJaN8g5PL2U3xEh6Xz4o9vUP4x09yTLQ8gYCLZ"
    "Q4dt5MVWIihogRGontl55miOEcfovLHoSAEdiIsubBK5njndQ8gE+iMGddjpMoyXQVpt2o"
    "jl07/J2CSa4rVfKQCZWF7PMfqN+ZeDvxFsI7Yvj4a/ahJt59dt3yFxhQilZIAyXbWYu6Ts"
    "tCwr7bX0ugeg4RJx/urjg0YsNu4qwNQiOtx0QGFOVrKyJSHFrNSrcq71nkGBcRrZ+s4n08"
    "GZ5LMrNChEzJqpKSRRmfq+t6mEPQmKrQtuFa5mYD9VVO1Qy3GGQYKW7ieTud4pbccs8Aqp"
    "dyGIMMQyA7n3OYrBXl6cFm6440eIRLjx1Zagx9k4+3gPhokxXCRYmmmT7TCqsLy+ve/bJC"
    "Wv1DsfpXyKZMpRDmWPzlE1YSKWtyDm2yypyI1kTICaCU8ZBlzAgDWI22DiTFXLjeScPkgZ"
    "2Z4hIuQ3512vr5CXnw18lT6Irw1pMUwNPaG5Fqg3ymLFiyXcq2AXUEzOaE5+Il56Wc2xDw"
    "pTZf61kmrkl3GiqZLmX6GZmqnVtwvsTRGgc19LXujqXThquV2zEEP4lBSSgKQ1MVTZB8sD"
    "RE0oYIH5Umf14jjnOxkuI0xYiq1KEW1EQKAM5Jkiyt/ZiDlgXga1SBxBYn01whHZp56Ysl"
    "E3YG2WeE7DV0YQtztowfDCx+IMuDNRHFTjhqBhU5KCtQkeoxrRA1qFGtYjJXPNA/qEKeTW"
    "XDpwtib5W9lU0M91hgPs6BMv94pRBbIY6trCDU34nDgbeKWFr+5HZaAor4DVYKYu4RwYxm"
    "jyLu9ElvpraGLIMhy2AMVhQdl8GQNRpkjYbXp/kt12joaQfCW6zQ0BO1LddnkLtXR7o+kv"
    "vAZS2DIbrZGnErq8h0X0UGUTUIG9V30seR0kFfw0HPufMDSfVJjwGbcb47EdW/yfhQnIVw"
    "uSHkschRGF2dljoJvX49b1WkGrHc2dSxsVeZsjcv2FtxgXV2fqcQGYUA583sxRU2kqhROA"
    "L6LrQRfis1DJc4ZhSkd32IliBMR9TCoJbzNgUbIdWH+1XMRN6r2IW7n13mgC0mgCtNYht5"
    "YdViwrPIHg1z96ZI68k+b708EoWaLY6ArD2JZ4CjGOd9z+Oh8VPZ/RgARkF31zN4UCFmWW"
    "sCT6JGt8hvn2YLOLT24j4CyXV9jXW9R1uDxKMEUO4PG7Jb3RWV6pVkqKOT07gRTF19K2Tx"
    "eKg54mB4dQUQduxaW/SK4DJ9O3OMPGdHZLlTlJtA/MKG5jRYzmdDns+8rcmOpkFKG2iuHL"
    "iU9+Dl7U9/TeWdhEt5D17e0LZJzlnzxdZKEiVtlfq2iqyc+ha+LrnX5E2I2YYGeWok5iRS"
    "qsqhSXkgSQJzEafYTHISBPwr07LkABD1eZVyYzJ+30H8/gnatGYF4RhkhCGITirci4+qBs"
    "N+9xGye1ApbnxQEjc+yMaN+RMZNHOUZvHe6Bik/73Rr6Mox3Fy+4//AzE3cW8="
)
