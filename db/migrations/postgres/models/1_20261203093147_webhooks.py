from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "webhooks" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "url_sealed" TEXT NOT NULL,
    "url_hash" VARCHAR(64) NOT NULL,
    "url_display" VARCHAR(300) NOT NULL,
    "payload_format" VARCHAR(16) NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "scope" VARCHAR(64) NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "paused" BOOL NOT NULL,
    "paused_at" TIMESTAMPTZ,
    "pause_reason" TEXT NOT NULL,
    "consecutive_failures" INT NOT NULL,
    "failing_since" TIMESTAMPTZ,
    "last_success_at" TIMESTAMPTZ,
    "last_failure_at" TIMESTAMPTZ,
    "last_error" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "removed_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_webhooks_scope_018bb7" ON "webhooks" ("scope", "url_hash");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webhooks";"""


MODELS_STATE = (
    "eJztXWtvo7ga/isoX05Hyhm16fWsVkdKO93dHvUyajO7q12tkANOYhUwY5t2MrPz348NBM"
    "y1wBJKqL+1xg+Q5zX2e/PrbyMbm9Ci76cWJOweP49+0L6NHGBD/kfm2lgbAdeNr4gGBuaW"
    "3xmIXn4TmFNGgMF46wJYFPImE1KDIJch7PBWx7Ms0YgN3hE5y7jJc9BnD+oMLyFbQcIv/P"
    "kXb0aOCb9AKv79NlogaJn+36NnYFmQ6cA0CaTB6yAbUgZsdyRw8IsrLvCn0s2twt8WPo+t"
    "Xf/lR35n/tb+P9/HWuIxNiCP/DHI3NoTDAIBg6YOWJt3Jdhr4aaio/uo+/dNDI+AD79d32"
    "DP0fLKYT/5fYWI57qBLc924v7umq2wEwGQw0TrEjqQCAp4GyOeGDPircLBtRlGwfCIuwTj"
    "QsKYcAE8i0ljbK7HbSNdv72b6Q+XM10f1RiVBqeM08FflfoELMUr/Ps/k8nh4elk//Dk7P"
    "jo9PT4bP+M9/XfN3vp9HvwMjFbwa18zq5+vrqdiRfC/LMJvibR8N3HAAb0WKYx+yY0PVd/"
    "hOusEC5WgOSLIAFKSYL/xLQkNrz3VxQ2+KJb0FmyFf/35KiE5V+n9xe/TO/3To7eJam+Da"
    "9M/Evf/Y9oQ/Ij/1l1+N30b4faTUPMbTyfdk7upAq5k2JyJxlyKXyCBLFaA1jGDJDkg0kF"
    "kg8mhSSLS0mS+eMWyISOAbM0/2RhUDBXJ2EpphcCt4Ncl3D74e7T+fWl9vH+8uLq4eruVj"
    "zFXtPPVnxRNPEGxHwO7i+n1ymqGWJWDsszvpbmkxwBuhvJo1H33M4uf/dXN5uGfG7G697N"
    "9Pd3Caav725/3nSXxvfF9d15mmwCTFh3+UuAGpEeLm59GdHJ2eOwyuxxWDx7HGZmj4TmW5"
    "XlBGh4LJ/tV2D5bL+QZXEpyXLWjKlKdRY5PL6Pqozqo+JRfZQZ1RR9hbpHcwb1B2ggG1gF"
    "uocES9FsBrj3IX73KC9bGvmSeDO93jvcHx8EozpeBSP6M2OaoqUDrJzB/L+Hu9sifiNIml"
    "5kMO1vzUJ0a2rH6MeF5xiCNm3uIYshh74Xz/vvKyyYgqLyBTO9NgrKMGVL4t/Fv0F6wXTB"
    "mqttOWO+WCASpB8CEY8djEBiR1J2GuJcistFaqMETAsmRL7f/DEsNX12dXP5MJvefExI48"
    "N0dimuTJJae9i6d5KSUHQT7ber2S+a+Ff74+72Mi20qN/sD+FaGwGPYd3Bz2K5lTjZNG+a"
    "kuZX7NirKeUkUom512KOPa01pZwAtiDk3VErdkLGwve9eJT8r6JhDozHZ0BMPXMFT3BR3+"
    "wle2KnW4ADlr6QBJviPcMIDDcAHAda954FC2I0qR7jskiNEfTVCe+8hYDNn6MlX6/N0P7b"
    "PCz4zwbMWAUDPPrvCVh8qP5VFueJbthZHOOtBDEmB0enR2eHJ0dR7CJqKQtZvByekMdAVW"
    "tWxgzQudu+eyb5cVWlOYlSRFfyg8nzVnVHmIwaINEHJ1XCFelFWwpXnOQTHSwJtZmOYAOk"
    "uv3YJsEWrDlzSJDh+Rm3MD2HJty8VpAiiRpAaKgrmpWNreyv7dhfH6CFniBZFxhf8uVxme"
    "VlBh3RdswuPwMvnJ75jRhygLiRvklKkduELVVmcbkWYAtMbN/dzwDz/Dd2uDnFPxYGbZe1"
    "nKtW4YXjV1HpbINLZ5MHb3UZyKiXJbEDE3aXwpBzCbMfX/WUwix2gPp3++lv2dmtCeWDNe"
    "LbN3jkNa0q1TJmgCS3b8DHykLllM4I0aGt40LHFDR1w3LrWZ2hDpbDc/FSKUG6Wyr3t7tO"
    "/kP3dUxoWrPN8FpuSObAVTCvb8Zkws8IHX/5bOAEy4EqZ9jLXhoLUKZDQjDJkl2cIp1EDc"
    "AZ1nWetHKOvYn5jPJJqYGMJZhar/om3544P2/8dP4C12d8cVzm+Ay2BHS8O5ha3rJNF+US"
    "2DboNAulWAlp0+zv0Q7OtvZWlOSlbIRYg2wZMwAVZNuaHv+J1H+nGnqejBkAxV1ref5UV2"
    "NEb/oPgOqUm/b4uIqf9vi42FErrqV0aM7FEpN6UXwJMziW2/fNQsfUhaZZV4GVcUqD7ZsG"
    "K0v4ScgM6pOjVY6My7bdJYFq4x2UP7LsxjuL/y5k5pZVKKU5gVMsv8CyYWEK84LVGFsQOA"
    "VrQgRK8TvnqG0tCVFLt7Se391dJ6am86u0HvPp5vzyfu8gxXnWN29DBoQ+n2W7eOuijFF7"
    "F8v1zQZ7Fz3XbOhVTCKVV7F3a3ZPvE4P3jyiv8D3lO4yLvNAUanzVrLvGmTcqR1JXe5IUk"
    "lOKsmpb4S3b0jjZ05HTapljPJVvEgxXzTQU46nolT3j0Ed6v6b6XtnVf8FV54hqVVFRoIo"
    "xb91xf+zhyDTKQMkR/N/sIFlFeopKWijHLSeuRVCleVwcnoSaSvinzJF5eFmen2dHekBOz"
    "BPLalCK8zVSd46qcKE/IqdWltJZUyHi+Gn2cWurofi9i5XIFbYy8ntKhy4aVh3SamHu5KV"
    "qpK3mix8O+FmUd60NyHmvnjT1pRB+wZyso0ib1qqy7jUm+Z31m2/d8dpXcFDdf/1x22dx6"
    "B2hfZyV6iqkTjQeTEV35M/6Or7MBKwAXoHDyZV0iF5r5KdY5nIdUhbQYmdkiMB0kB1KECV"
    "QwH4z4b1yiDHCOW/asV/1RMdbCYOHyhQvqJrpVqXf3yBOmKr2ROUnjhgPVEdhtVBXj/7oq"
    "8AzUnfLHGmxpAB6mcDPAmk34S3fxTIKx1w02+a2x/XDD/CugkgMkaRXIFkisxaBvSm/wDJ"
    "rRLjKg5xZZNqPGbget4JCTK4lJqt+CVCwnT/92WZLg+CZ8AqEJ6aGr7mba166bSrPCdE7a"
    "0gfZspWt8L4hKUd7pmKbsRRtH78klir39a2+BJVoGWNxBoodgjeTNViYoYIQaoJLZf/FCd"
    "AKxqHgyk5gF8EqWh6nKcRCmmqzDtR3VI7fB3Cqa4rlTJQyVUFrLPf6B551jrUWAI74jiE9"
    "rsfU28+813y19YgFK0QAYo2c5a1HVcFhIO3f5GAtVxiDj5cN/iMDCB24mzNgiNtB4T6VGU"
    "r62ISHFoNSvdqrxnkUM0Ilqv7R18PBmeSzKzIoRKyaqSkkUZn6vrepgj0JCOGWnDtczVBh"
    "ouOVUz3CRIP1LcxPN2OsUtueWeAVQv5VCC9EMgO59zmKwVFayDzeyONHiApseOmBp93+QT"
    "GBAfCV6gwnPCM33GFawLN+i+fbNCaf190foXiFCmUwhzNP7yCSuJVDU5+zZZZc7kaCLkBF"
    "DJuM8yZpgBS4+3DiTFXGjvpGHqyKhMcQmfobA6bf38hDz46+QpbIvw1pMUwNMyGJF6g3ym"
    "LFixXcq2DU0EnOaE5+IV56WcEwi4qc1tPdexatKdhiqmS5l+Ro5OcgvOlzhaZVBDX+vuaD"
    "ptuFq5HoOtJzEoMUVRaKqiCpIPVopIWhHho9Lhz2vEcS5WUZymGFGdetSFhkgBsHKSJEtr"
    "P+agVQH4GlUgLZeT6SyQCZ289MWSCTuD7DJC9hprYQtztoof9Cx+oMqDNRHFTjhqehU5KC"
    "tQkeoxrhA1qFGtYjTVAtC/qIafHW3FpwtM1tregmBbYyuo8XEOtOnHKw0TDXtEW0Bovhtr"
    "wFlrwrT8we80BxTxGyw0xKgmjpWn70epYbTdJ72Z2hqqDIYqg9FbUWy5DIaq0aBqNLw+zW"
    "+5RkNHOxDeYoWGjqhtuT6D2r06UPtI7QNXtQz66GZrxK2qIrP9KjKI6puwUX0nvYxUDvoa"
    "DnrOXRhIqk+6BGzG+e5EVP8h431xFsL5CuPHIkdhfHVc6iQM+nW8VZEa2PVnU49YQWXKzr"
    "xgb8UFtrXzO4XIKARW3sxeXGEjiRqEI6DrQhvRt1JDcZExgyB924doCcJMRF0L1HLepmAD"
    "pPpwv4qayHsVu3D3s2YOWFsY8EUTEzsvrFpMeBbZoWLu3xQZHennrZdHotAg4gjI2pN4Bj"
    "iIcd71PB4pP5XdjxvAIOje9gy+qRAzrzWBJ1GDM/Lbp9kFHq1t3McgZdfXsOsD2hokHiWA"
    "an9Yn93qvqj0oCRDnTU5jRvA1NX1giweDw1PHAyvLwCyPFJri14RXKVvZ46R5+yILHeKch"
    "OIX9jQnAar+azP81mwNdkzDEhpg5UrB67k3Xt5h9NfU3kn4UrevZc3JATnnDVfrK0kUUpX"
    "qa+rqMqpb+HrUntN3oSYCbTxUyMxJ5FqqeyblHuSJDAVcYrVKCdBILwyLksOAHGfVyk3pu"
    "L3W4jfP0FCa1YQliADDEFspcK9+KhqMBx2HyC7B5XixgclceODbNyYP5FBJ2fRLN4bLUG6"
    "3xv9OgvlME5u//5/xNlC3A=="
)
