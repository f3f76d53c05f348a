from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "feed_state" (
    "name" VARCHAR(64) NOT NULL PRIMARY KEY,
    "value" VARCHAR(255) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "feed_state" IS 'Small named values the live feed keeps across restarts (the feed watermark).';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "feed_state";"""


MODELS_STATE = (
    "eJztXWlP5Dga/itRfVlaqkVQnDtarVTQ9AwroFpQvTOa0SgyiavKIlfbDjTdw39f27mck6"
    "QmFVLBn6BsPzme17Hfy/aPke2a0CK7Uwtieus+jX7SfowcYEP2T65urI2A5yU1vICCe0s0"
    "BryVKAL3hGJgUFa6ABaBrMiExMDIo8h1WKnjWxYvdA3WEDnLpMh30Fcf6tRdQrqCmFX88S"
    "crRo4Jv0HCf/4YLRC0TPH/6AlYFqQ6ME0MSfA4yIaEAtsbcRz85vEKdlcSXSp8t/B+9NkT"
    "Dz8SjdlTix8vYy11GxvgB3YbZG7sDgaGgEJTB7TNq2LXb+GivKH3oIvrprpHwIco1yPsGV"
    "peOvSTaMtFfK8bruXbTtLee6Yr14kByKG8dAkdiDkFrIxin/cZ/lRh54q6UdA9kiZBv5Aw"
    "JlwA36JSH7vXk7KRrt/M5vrdxVzXRw16pcEoY3SwRyWCgCV/hH/+azI5ODiZ7B0cnx4dnp"
    "wcne6dsrbiefNVJy/BwyRsBZcSnF3+fHkz5w/kss8m+Jp4wYvAAAr0RKYJ+yY0fU9/gM95"
    "IZyvAC4WQQqUkQR7xawkIt77KwobfNMt6Czpiv08Pqxg+X/T2/Nfprc7x4cf0lTfhDUTUf"
    "UiPqKI5Af2Wk34jdq3Q21UkHCbjKedkzupQ+6knNxJjlwCHyFGtFEHljEDJHl/UoPk/Ukp"
    "ybwqTTK73QKZ0DFgnuZPlgtKxuo0LMP0guO2kOsKbj/OvpxdXWifby/OL+8uZzf8LvYz+W"
    "ollbyIFSAqOLi9mF5lqKaIWgUsz9lcWkxyDOiuJ49G3XM7v/hNzG42CfmM+uvO9fS3Dymm"
    "r2Y3P0fNpf59fjU7y5KNgQmbTn8p0Fqkh5NbX3p0evQ4qDN6HJSPHge50SOl+dZlOQUaHs"
    "unezVYPt0rZZlXpVnOmzF1qc4jh8f3YZ1efVjeqw9zvZqg71D3SUGn/ggNZAOrRPeQYBma"
    "zQC3G+K3j/KqqZFNidfTq52DvfF+0KuTWTCmP9enCVo6wCrozP+9m92U8RtDsvQig2p/aR"
    "YiG1M7Rv9e+I7BadPufWRR5JBdfr//vMGEySmqnjCzcyOnzCV0icVVxAWyE6YHnpnaVtDn"
    "ywUiQfohEH7bwQgkcSTlhyHGJa8uUxslYFYwIXI3+mdYavr88vribj69/pySxsfp/ILXTN"
    "Jae1i6c5yRUHwR7dfL+S8a/6n9Pru5yAotbjf/nbvWRsCnru64T3y6lTiJiqOitPmVOPYa"
    "SjmNVGLutZgTT2tDKaeALQh5e9SKrZAx930vHiT/Ky+4B8bDE8CmnqtxJ25Z23yVPbGzJc"
    "ABSyEkziZ/zjACwwwAx4HWrW/BkhhNpsW4KlJjBG11zBpvIGDzx2jJ5msztP+imwW/bECN"
    "VdDB41+PwGJd9c+qOE98wc7iGO8liDHZPzw5PD04PoxjF3FJVcji9fCE3AfqWrMyZoDO3f"
    "bdM+mPqy7NaZQiupYfTB636jvCZNQAid4/rhOuyE7aUrjiuJjoYEpozHQMGyDV7cc2sWvB"
    "hiOHBBmen3EDw3Nowt03ClKkUQMIDXVFs7Kxlf21GfvrI7TQI8TPJcaXXD2usrzMoCHajN"
    "klMvDC4ZldiCIH8AvpUVKKXMZtqSqLy7MAXbjYFu5+Cqgvnthh5hT7WCi0PdpyrlqNB04e"
    "RaWzDS6dTe689WUgo16XxBYM2F0KQ84lzH989VMK89gB6t/tp7/lR7d1KB+sEd++wSPPaX"
    "WpljEDJLl9Az5RFmqndMaIDm0dDzomp6kbllvP6gx1sAKey6dKCdLdVLm32Xnyb7qvE0Kz"
    "mm2O12pDsgCugnl9MyZTfkboiOlzDSdYAVQ5w1730liAUB1i7OI82eUp0mnUAJxhXedJK+"
    "fYuxjPCBuU1pCxBFPzVd/k2xPn5ycIzTumo5elnqTqx1XuzwVrqXN1H9Zyf47ubGBZGr+d"
    "qYnYHtHoCmrch6rxa2kPEHpEAwZ2CdEwT4rElGg7vJGof2K3wnw5wofdUabLtH7x15cul3"
    "oexd8GGkjUXi3gLLH5y92MjSPLQ44pT46O6ji1jo7KvVq8Lq1w+J65psKRRiqFQ01IxRPS"
    "tVhfVjIbJZWVU1GwRq3j7SqI5S/bjJktgW2DTtMiy8fJNv3QPZqR2lrsV5EoGQmxAdkyZg"
    "A28aZdD+wViXimHMXljgcZMwCKu3Y7iKGuQY+O2g+A6g50LINxsXRxs7QyCTM4ltsPFkLH"
    "1M3QUm2ixMo45VLpmwYrS/iRywzqk8NVgYyr1oGngWolOJQ/svxKcIu9FzIL9/mppDmFUy"
    "y/wrJhuQQWZU+5rgWBUzInxKAMv/cMtakpIS7pltaz2ewqNTSdXWb1mC/XZxe3O/sZzvPB"
    "YhtSwPX5PNvla+lljFpMX61vrrGYXnmdBjtn98TrdOffx/SX+J6yTcZVHigiNd5IOvgaKe"
    "BqiWyXS2RV1q3Kuu0b4e0b0u4To6Mh1TJG+SpepZhNGuixwFNRqfsnoA51/2j43lrVf8GU"
    "Z4gbbWsmQZTi37ri/9VHkOoiOSMvFJHjUaqnZKBrJUX3zK0QqiwHk5PjWFvhP6oUlbvr6d"
    "VVvqcH7MAitaQOrbBQJ3nvpHIT8rvrNMpAkTEdToZf5ufbOh/yy3tMgVi5fkGycWnHzcK6"
    "WyVxsC3LJFQ28ToT31a4WZQ37V2IuS/etGdCoX0NGdlGmTct02Rc6U0TjXVbtO44rSu4qR"
    "5l5bZzQJDapqCX2xSoTXsHOi5m4nvyB11/YWAKNkDv4P6kTjoka1WxlDkXuQ5pK8nMrzij"
    "JgtUp9TUOaWGvTZsti9/glD+q1b8Vz3Rweb8NJwS5Suuq9S6xHk66szH9e6g9MQB64nqdM"
    "YO8vrpN30FSEH6ZoUzNYEMUD8b4NFU/Sa8/bOp3ujEtX7T3H6/pu4DbJoAImMUyTVIJshs"
    "ZEBH7QdIbp0YV3mIK59U41PDbeadkCCDS6nZiF8iJEwX75dnujoIngOrQHhmaPhetLTqte"
    "MXi5wQjZeC9G2kaH0tiIdR0XHPlezGGEXv60dbvv3xoYMnWQVa3kGghbg+LhqpKlTEGDFA"
    "JbH93XjVkfRqz4OB7HkAH/lehU05TqMU03WYFlEd3Dj8nYEprmvt5KESKkvZZy9ozhzreR"
    "QYwlui+IQ2e18T734VbvlzCxCCFsgAFctZy5qOq0LCodvfSKE6DhGnby4sDsPFcDNx1jVC"
    "I63HRHoU5WsrIlIeWs1Lty7veeQQjYjWD5sIPp4czxWZWTFCpWTVSckilI3VTT3MMWhI51"
    "614VpmagMJp5y6GW4SpB8pbvx+W53ill5yTwFqlnIoQfohkK3POUzvFRXMg+vZHVnwAE2P"
    "LTE1+r7IJzAgPmN3gayyRNNcm3EN68ILmm/erFBaf1+0/gXChOoEwgKNv3rASiPVnpx9G6"
    "xyh0StI+QUUMm4zzKmLgWWniwdSIu51N7JwtQZhrnNJQRD4e60zfMTiuBvk6ewKcJbT1IA"
    "j8ugR+pr5DPlwYrtSrZtaCLgrE94IV5xXsk5hoCZ2szW8xyrId1ZqGK6kukn5Oi4cMP5Ck"
    "erDFrT17o9mk4brlamx7jWI++ULkFxaKqmClIMVopIVhFhvdJh91uL40KsojhLMSI68YkH"
    "DZ4CYBUkSVbu/ViAVhvAN9gF0vIYmc4CmdApSl+sGLBzyC4jZG8xF7YwZqv4Qc/iB2p7sH"
    "VEsRWOml5FDqo2qMi0GNeIGjTYrWI01QLQP4jmPjnaig0XLn7WdhbYtcU5wayfA236+VJz"
    "seb6WBwJ/GGsAedZ46blT6LRPSCIXWChIUo0fvAxyZ9DvNE7vZu9NdQ2GGobjN6KYsPbYK"
    "g9GtQeDW9P83veo6GjFQjvcYeGjqhteX8GtXp1oPaRWgeu9jLoo5ttLW7VLjKb30UGET0K"
    "GzV30stI5aBv4KBn3IWBpOakS8D1ON+eiOrfZLwnzsIpZOP9alTgJAxrxlXOQZC0eZNMYn"
    "W05gaO1nyEmDRcHChBBmidb2TxOv+oGjAcNh8gu/t7tTSHvQrNYS9/orvrUOgUhNjKw54S"
    "pPuw59tMYcPYlP3l/w7fI8U="
)
