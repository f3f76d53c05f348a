from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "delivery_workers" (
    "name" VARCHAR(64) NOT NULL PRIMARY KEY,
    "generation" INT NOT NULL,
    "started_at" TIMESTAMP NOT NULL
) /* One delivery worker (a process sharing the outbox) by name, and how often it has started. */;
        ALTER TABLE "deliveries" ADD "lease_generation" INT;
        ALTER TABLE "deliveries" ADD "lease_owner" VARCHAR(64);
        CREATE INDEX IF NOT EXISTS "idx_deliveries_status_1a3527" ON "deliveries" ("status", "lease_owner");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_deliveries_status_1a3527";
        ALTER TABLE "deliveries" DROP COLUMN "lease_generation";
        ALTER TABLE "deliveries" DROP COLUMN "lease_owner";
        DROP TABLE IF EXISTS "delivery_workers";"""


MODELS_STATE = (
    "eJztXW1v2zgS/iuCv1wK+ILEeb3F4QAnze7mkMRF4l4Xu1gItETbRCTRFakkbrf//Ui9Uq"
    "+RtJIiK/zUhuIjyc9QnOHMcPh9ZGIdGmR/akCb3uPn0U/K95EFTMj+k7o2VkZgs4mu8AYK"
    "FobbGfBebhNYEGoDjbLWJTAIZE06JJqNNhRhi7VajmHwRqyxjshaRU2Ohb46UKV4Beka2u"
    "zCH3+yZmTp8AUS/uf30RJBQ3f/P3oGhgGpCnTdhsR7HWRCQoG5GXEcfNnwC+ypJLiV/9v8"
    "59Htxn35kduZvbX7x4+xEnuMCexH9hikt/YEzYaAQl0FtMm72thp4Ka84+ZRde8bGx4eH2"
    "67GmAv0Oraoj+7fbmIF6qGDce0ov6bLV1jKwQgi/LWFbSgzSlgbdR2+Jjhb+UPrmAYecMj"
    "6uKNCwGjwyVwDCqMsYUatY1U9W42Vx+u5qo6qjAqNUYZo4O9KnEJWPFX+Oe/JpOjo7PJwd"
    "Hp+cnx2dnJ+cE56+u+b/rS2Q/vZSK2vFu5nF3/cn035y+E2WfjfU284YeLARSokUwj9nWo"
    "Oxv1EW7TQrhcAztbBDFQQhLsJyYlEfDeX1GY4EU1oLWia/bn6XEBy/+b3l/+Or3fOz3+EK"
    "f6zr8ycS/9cD+igORH9rOq8Bv0b4baoCHiNppPOyd3UobcST65kxS5BD5BG9FKA1jEDJDk"
    "w0kJkg8nuSTzS3GS2eOWSIeWBtM0/2xgkDNXx2EJppcct4NcF3D7cfb54uZK+XR/dXn9cD"
    "27408xt+SrEV3kTawBUZeD+6vpTYJqiqiRwfKc6dJskkNAdyN5NOqe2/nVb652M4nPZzBe"
    "926nv32IMX0zu/sl6C6M78ub2UWSbBvosKr6i4Fqke4rt76M6PjscVRm9jjKnz2OUrNHzP"
    "Ity3IMNDyWzw9KsHx+kMsyvxRnOb2MKUt1Gjk8vo/LjOrj/FF9nBrVBH2DqkMyBvVHqCET"
    "GDm2hwBL0Kx7uH0fv3uUF6lGphJvpzd7RwfjQ29UR1owpD81pglaWcDIGMz/fZjd5fEbQp"
    "L0Io0qfykGIq2ZHaN/Lx1L47QpCwcZFFlknz/vP2+gMDlFxQozqRs5ZZjQle3exb1BUmFu"
    "wJaZbRljPl8gAqQfAuGPHYxAIkdSehpiXPLLeWajAEwKxkfuB/8Zlpk+v769ephPbz/FpP"
    "FxOr/iVyZxq91v3TtNSCi8ifLlev6rwv9Ufp/dXSWFFvab/85dayPgUKxa+JmrW4GToDlo"
    "ii+/IsdeRSnHkVLMvRZz5GmtKOUYsAEh745ZsRMy5r7v5aPgf+UNC6A9PgNbV1NX8ATn9U"
    "1fMidmsgVYYOUKibPJ39OPwLAFgGVB494xYE6MJtFjXBSp0by+qs06txCw+WO0Yvpa99d/"
    "wcO8v0xAtbU3wMO/noDBhuqfRXGe8IadxTHeSxBjcnh8dnx+dHocxi7ClqKQxevhCXEMlF"
    "3NipgBOnebd8/EP66yNMdRkuhSfjBx3irvCBNRAyT68LRMuCKptIVwxWk20Z5KqMx0CBsg"
    "1c3HNm1swIozhwAZnp+xhenZX8ItKgUp4qgBhIa6olmuseX6q53110dooCdob3MWX+Llcd"
    "HKS/c6onaWXW4Gnj89sxtRZAF+IzVIShHb+FqqaMW1MQBdYtt03f0UUMd9Y4stp9jHQqG5"
    "oQ3nqpV44ehVGnxu9OMMCAhU8TP7wGW+3PDy5cSvo7wMRNTrktgBjdClMMRkxfTXXT5nMY"
    "0doIHffH5devqsQ/lgvQTNr6hEpVmWahEzQJKb9xBECrt0zmiI6HAxtYGWzmnqhuXG00Z9"
    "Iy+D53xVKUC6U5UH7erJv+kfjwhNms4pXotXqhlwGS3s22o15siElqs+a3jZMqDS2/a6G8"
    "gAhKrQtrGdJjs/BzuOGoC3retEbOl9exfzGWGTUg0ZCzCpr/osX9H7VUFXJWDD01PNrxI9"
    "ynxO+LuVN7GzoLVM7b5R3oCx3bNQwRdsP0L7lYBB1GlcImywVZ/d/uWCB6OZBZUAqXhIZQ"
    "8oGxtrkBCFsG+ayUSha6hghy7wywdlsVX4m44VYOnKGj8reEmhpSCqrAFDUGCzEbU/Ssi0"
    "3Se9XhIg1+Hu/lthMgv6y43ROZNYQbpXnemsgYmsbyZf024D/0uoY3nFkNK67p311ROFde"
    "vu1sxRVNHFQgXl7fjsuPgLMZxVk5HgFTBN0GmScb4majLo0iM91NTW2QI9FAixAtkiZgAO"
    "oLb9bOwnkmxFn+9lEzEDoLhrH5s71VUY0UH/AVCdCJKfnJSJkp+c5IfJ+bWEB5NxscJ2tS"
    "RNATM4lpv3eUBLV7mpWdWIFXHSf9g3C1aU8BOXGVQnx+sMGRdVVYgDZV0FKH5k6boKBvtd"
    "SM+smlVIcwwnWX6FZc3ABGalCmJsQGDl6IQQlOB3wVBtqYSwpVtaL2azm9jUdHGdtGM+31"
    "5c3e8dJjhPuzhMSAG359Ns51emEDGyNEWxvVmjNIWz0WvGdONI6XXqnc7uidfpwVmE9Of4"
    "npJdxkUeKCJ0bmVzRY0NFXLDeZcbzmWKuUwx7xvhzS+k3UyLilSLGOmreJVipjTQU4anot"
    "D2j0Ad2v7B9L2zpv+SGc9+PkNZy1+ASMO/ccP/q4MgVd3QcVooDyYwjFw7JQEdUFrS0eTs"
    "NLRW+B9FhsrD7fTmJj3SPXZglllShlaYaZO8d1L5EvIbtirl+IiYDpXh5/nlrupDfvsNMy"
    "DW2MlIDc0duElYd+k9R7uyJ0imztdRfDvhZpHetHch5r5407aEQvMWMrK1PG9aosu40Jvm"
    "dlZNt3fHaV3eQ9UgF7eZ47ZkTY5e1uSQJbAHOi8m4nviB13WUE/ABugdPJyUSYdkvQr27a"
    "ci1z5tORUUC058SgLlmU9lznxiPxtWO+UiQkj/VSP+q57YYHN+tlSO8RVeK7S63NOp5Amq"
    "9Z4g7cQB24nyrNMO8vrpi7oGJCN9s8CZGkEGaJ8N8KC3fhPe/Elvb3R+Yb9pbn5cU/wIqy"
    "aAiBhJcgmSCdIrLaCD/gMkt0yMKz/ElU6qcaiGq3knBMjgUmpa8Uv4hKnu70szXRwET4Fl"
    "IDwxNXzL2lr12mGmWU6IyltB+jZTNL4XZGOjrMPTC9kNMZLe1w+KffvDeAdPsgy0vINAC8"
    "GOnTVTFZiIIWKARmLzpacpokYGv/llD0LAAGxEWfPgjczxVmoewCdemLMqx3GUZLoM025U"
    "x64c/k7AJNelKnnIhMpc9tkP1GeWsR15C+EdMXz8NXtfE+++uG75SwMQgpZIAwXbWfO6jo"
    "tCwr7bX4uhOg4Rxx/urjg0bMN24qw1QiONx0R6FOVrKiKSH1pNS7cs72nkEBcRjZ+s4n08"
    "KZ4LMrNChEzJKpOSRSibq6t6mEPQkKrQNuFaZmYD8VVO2Qw3AdKPFDf+vJ1OcYtvuacAVU"
    "s5FCD9EMjO5xzGa0V5erDeuiMJHuDSY0eWGn3f5OMtID7ZeImMvETTVJ9xidXFxuve/rJC"
    "Wv19sfqXyCZUJRBmWPzFE1YcKWty9m2ySp2IVkfIMaCUcZ9lTDEFhhptHYiLOXe9k4TJAz"
    "tTxSVchvzqtNXzE7Lgb5On0BbhjScpgKeVNyLVGvlMabBku5BtE+oIWPUJz8RLzgs5tyFg"
    "S2221ttYRkW6k1DJdCHTz8hS7cyC8wWOVhFU09e6O5ZOE65WZsdg44kPSkxQGJoqaYJkg6"
    "UhkjRE2Ki02PNqcZyJlRQnKUZEJQ7ZQI2nABgZSZKFtR8z0LIAfIUqkMaGkWktkQ6trPTF"
    "ggk7hewyQvYWurCBOVvGD3oWP5DlweqIYiccNb2KHBQVqEj0GJeIGlSoVjGaKh7oH0TBz5"
    "ayZtMFtrfK3tLGpnssMBvnQJl+ulawrWDHVpYQ6h/44cBbhS8tf3I7LQBB7AZLBVH3iGBK"
    "0kcRt/qkd1NbQ5bBkGUweiuKlstgyBoNskbD29P8nms0dLQD4T1WaOiI2obrM8jdqwNdH8"
    "l94LKWQR/dbLW4lVVk2q8ig4gahI2qO+lFpHTQV3DQM+78QFJ10gVgPc53J6L6NxnvibNw"
    "Ctl8vx5lOAn9K+Mi5yCI+rxJJrE8WrOFozWfoE0qbg4UIANcnbeyeZ1/VBUY9rsPkN3Dg1"
    "KWw0GB5XCQPtEdWxRaGSG2/LCnAOk+7Pk2KmwYRdl//B82tDOo"
)
