"""Proves FakeDiscord against the real discord.py client: login, gateway, slash commands, buttons, REST."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord import FakeDiscord, OptionType

HARD_TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


class PingView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="Again", custom_id="ping:again", style=discord.ButtonStyle.primary)
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button[PingView]) -> None:
        await interaction.response.edit_message(content=f"pressed by {interaction.user.name}", view=None)


class PickView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.select(
        custom_id="pick:side",
        options=[discord.SelectOption(label="Yes", value="yes"), discord.SelectOption(label="No", value="no")],
    )
    async def side(self, interaction: discord.Interaction, select: discord.ui.Select[PickView]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"picked {select.values[0]}", view=None)


class SelftestBot(commands.Bot):
    """A bot with one command per interaction-response style the fake must support."""

    def __init__(self, guild_id: int) -> None:
        # guild_ready_timeout: READY otherwise waits 2 s for more GUILD_CREATEs.
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.guild = discord.Object(guild_id)
        self.app_command_errors: list[app_commands.AppCommandError] = []
        self.gate = asyncio.Event()
        self.tree.on_error = self._on_app_command_error  # type: ignore[method-assign]

    async def _on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.app_command_errors.append(error)

    async def setup_hook(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="Ping the bot", guild=self.guild)
        @app_commands.describe(count="How many pongs")
        async def ping(interaction: discord.Interaction, count: app_commands.Range[int, 1, 5] = 1) -> None:
            await interaction.response.send_message(" ".join(["pong"] * count), view=PingView())

        @tree.command(name="slow", description="Deferred, then a follow-up", guild=self.guild)
        async def slow(interaction: discord.Interaction, market: str, private: bool = False) -> None:
            await interaction.response.defer(ephemeral=private, thinking=True)
            await interaction.followup.send(f"market {market}")

        @tree.command(name="report", description="Deferred, then edit_original_response", guild=self.guild)
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            embed = discord.Embed(title="Whale", description="100k YES").add_field(name="Size", value="$100k")
            await interaction.edit_original_response(content="report", embed=embed)

        @tree.command(name="gated", description="Answers only when the test opens the gate", guild=self.guild)
        async def gated(interaction: discord.Interaction) -> None:
            await self.gate.wait()
            await interaction.response.send_message("finally")

        async def market_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            names = ["btc-100k", "btc-150k", "eth-etf"]
            return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

        @tree.command(name="market", description="Autocomplete, a select menu, then follow-ups", guild=self.guild)
        @app_commands.autocomplete(name=market_names)
        async def market(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"market {name}", view=PickView())
            extra = await interaction.followup.send("details", wait=True)
            await extra.edit(content="details (edited)")

        alerts = app_commands.Group(
            name="alerts",
            description="Manage alerts",
            guild_ids=[self.guild.id],
            default_permissions=discord.Permissions(manage_guild=True),
        )

        @alerts.command(name="add", description="Add an alert")
        async def add(interaction: discord.Interaction, threshold: float, channel: discord.TextChannel) -> None:
            await interaction.response.send_message(f"alert {threshold} in #{channel.name}", ephemeral=True)

        tree.add_command(alerts)


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake
        assert fake.unknown_routes == []


@pytest.fixture
async def bot(dc: FakeDiscord) -> AsyncIterator[SelftestBot]:
    test_bot = SelftestBot(dc.guild_id)
    runner = asyncio.create_task(test_bot.start(dc.token))

    async def ready() -> None:
        await dc.wait_for_connection(HARD_TIMEOUT)
        await test_bot.wait_until_ready()

    ready_task = asyncio.create_task(ready())
    try:
        done, _ = await asyncio.wait({runner, ready_task}, timeout=HARD_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            runner.result()  # login/connect failed: raise why
        assert ready_task in done, "bot did not become ready"
        await test_bot.tree.sync(guild=test_bot.guild)
        yield test_bot
    finally:
        ready_task.cancel()
        await test_bot.close()
        await asyncio.wait_for(runner, HARD_TIMEOUT)


async def test_login_ready_and_guild_state(dc: FakeDiscord, bot: SelftestBot) -> None:
    guild = bot.get_guild(dc.guild_id)

    assert bot.user is not None and bot.user.id == dc.bot_user_id
    assert bot.application_id == dc.application_id
    assert guild is not None and guild.default_role.id == dc.guild_id
    assert [c.id for c in guild.text_channels] == dc.channel_ids
    assert {r.name for r in guild.roles} == {"@everyone", "Admin", "Alerts", "PolyScan"}
    assert guild.get_role(dc.role_ids["admin"]).permissions.manage_guild  # type: ignore[union-attr]
    assert dc.gateway_queries[0]["compress"] == "zlib-stream"
    assert {c["name"] for c in dc.synced_commands[dc.guild_id]} == {
        "ping",
        "slow",
        "report",
        "gated",
        "market",
        "alerts",
    }


async def test_slash_command_reply_and_button_reach_the_view(dc: FakeDiscord, bot: SelftestBot) -> None:
    handle = await dc.invoke_slash("ping", [{"name": "count", "type": OptionType.INTEGER, "value": 2}])

    reply = await dc.wait_for_response(handle, timeout=HARD_TIMEOUT)
    assert (reply.source, reply.content, reply.custom_ids()) == ("callback", "pong pong", ["ping:again"])

    press = await dc.press_button("ping:again", message_id=reply.message_id, user_id=dc.member_user_id)
    update = await dc.wait_for_response(press, timeout=HARD_TIMEOUT)
    assert (update.source, update.message_id, update.content) == ("update", reply.message_id, "pressed by bob_member")
    assert update.components == []


async def test_deferred_then_followup_fills_the_thinking_message(dc: FakeDiscord, bot: SelftestBot) -> None:
    handle = await dc.invoke_slash(
        "slow", [{"name": "market", "value": "btc-100k"}, {"name": "private", "value": True}]
    )

    reply = await dc.wait_for_response(handle, timeout=HARD_TIMEOUT)

    assert handle.deferred
    assert (reply.source, reply.content, reply.ephemeral) == ("followup", "market btc-100k", True)
    assert reply.message_id == handle.original_message_id


async def test_deferred_then_edit_original_response(dc: FakeDiscord, bot: SelftestBot) -> None:
    handle = await dc.invoke_slash("report")

    reply = await dc.wait_for_response(handle, timeout=HARD_TIMEOUT)

    assert (reply.source, reply.content) == ("edit", "report")
    assert reply.embeds[0]["title"] == "Whale"
    assert reply.embeds[0]["fields"] == [{"name": "Size", "value": "$100k", "inline": True}]


async def test_subcommand_with_number_and_channel_options(dc: FakeDiscord, bot: SelftestBot) -> None:
    options = [{"name": "threshold", "value": 2.5}, {"name": "channel", "value": dc.channel_ids[0]}]
    handle = await dc.invoke_slash("alerts", options, subcommand="add", user_id=dc.admin_user_id)

    reply = await dc.wait_for_response(handle, timeout=HARD_TIMEOUT)

    assert (reply.content, reply.ephemeral) == ("alert 2.5 in #alerts", True)
    with pytest.raises(PermissionError):
        await dc.invoke_slash("alerts", options, subcommand="add", user_id=dc.member_user_id)


async def test_invocations_are_checked_against_synced_definitions(dc: FakeDiscord, bot: SelftestBot) -> None:
    with pytest.raises(ValueError, match="never synced"):
        await dc.invoke_slash("pong")
    with pytest.raises(ValueError, match="no option 'amount'"):
        await dc.invoke_slash("ping", [{"name": "amount", "value": 1}])
    with pytest.raises(ValueError, match="has type 4"):
        await dc.invoke_slash("ping", [{"name": "count", "type": OptionType.STRING, "value": "2"}])
    with pytest.raises(ValueError, match="min/max_value"):
        await dc.invoke_slash("ping", [{"name": "count", "value": 6}])
    with pytest.raises(ValueError, match="required option"):
        await dc.invoke_slash("slow")
    with pytest.raises(ValueError, match="needs a subcommand"):
        await dc.invoke_slash("alerts")
    assert dc.interactions == []


async def test_first_response_after_deadline_is_unknown_interaction(dc: FakeDiscord, bot: SelftestBot) -> None:
    dc.interaction_deadline = 0.0  # every answer is late: no need to wait 3 s
    handle = await dc.invoke_slash("gated")
    bot.gate.set()

    await dc.wait_until(lambda: bool(bot.app_command_errors), HARD_TIMEOUT, "the bot's error handler")

    [error] = bot.app_command_errors
    assert isinstance(error.__cause__, discord.NotFound) and error.__cause__.code == 10062
    assert "10062" in handle.errors[-1] and not handle.acknowledged


async def test_second_initial_response_is_rejected(dc: FakeDiscord, bot: SelftestBot) -> None:
    handle = await dc.invoke_slash("ping")
    await dc.wait_for_response(handle, timeout=HARD_TIMEOUT)
    url = f"{dc.api_base}/interactions/{handle.id}/{handle.token}/callback?with_response=1"

    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as r,
    ):
        assert (r.status, (await r.json())["code"]) == (400, 40060)


async def test_channel_send_waits_out_a_429(dc: FakeDiscord, bot: SelftestBot) -> None:
    channel = bot.get_channel(dc.channel_ids[0])
    assert isinstance(channel, discord.TextChannel)
    dc.rate_limit_next(f"POST /channels/{channel.id}/messages", retry_after=0.3)

    message = await asyncio.wait_for(channel.send("whale alert", embed=discord.Embed(title="BUY")), HARD_TIMEOUT)

    [sent] = await dc.wait_for_channel_messages(1, channel_id=channel.id, timeout=HARD_TIMEOUT)
    assert (sent.message_id, sent.content, sent.embeds[0]["title"]) == (message.id, "whale alert", "BUY")
    attempts = [r for r in dc.requests if r.path == f"/channels/{channel.id}/messages"]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.3


async def test_an_enforced_nonce_repeated_returns_the_earlier_message(dc: FakeDiscord, bot: SelftestBot) -> None:
    alerts, general = (bot.get_channel(c) for c in dc.channel_ids)
    assert isinstance(alerts, discord.TextChannel) and isinstance(general, discord.TextChannel)

    first = await alerts.send("whale alert", nonce="delivery-7")  # discord.py adds enforce_nonce
    again = await alerts.send("whale alert", nonce="delivery-7")
    elsewhere = await general.send("whale alert", nonce="delivery-7")  # another channel: a new message
    other = await alerts.send("next alert", nonce="delivery-8")
    dc.nonce_window = 0.0  # "the past few minutes" have passed
    later = await alerts.send("whale alert", nonce="delivery-7")

    assert again.id == first.id and dc.nonce_repeats == ["delivery-7"]
    assert len({first.id, elsewhere.id, other.id, later.id}) == 4
    assert [m.content for m in dc.channel_messages] == ["whale alert"] * 2 + ["next alert", "whale alert"]
    with pytest.raises(discord.HTTPException) as too_long:
        await alerts.send("x", nonce="n" * 26)
    assert (too_long.value.status, too_long.value.code) == (400, 50035)


async def test_discord_limits_and_permissions_surface_as_http_errors(dc: FakeDiscord, bot: SelftestBot) -> None:
    channel = bot.get_channel(dc.channel_ids[0])
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    with pytest.raises(discord.HTTPException) as big_embed:
        await channel.send(embed=discord.Embed(description="d" * 4097))
    dc.forbid_channel(dc.channel_ids[1])
    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.get_channel(dc.channel_ids[1]).send("hi")  # type: ignore[union-attr]
    await channel.send("x" * 2000)

    assert (too_long.value.status, too_long.value.code) == (400, 50035)
    assert "2000 or fewer" in too_long.value.text
    assert big_embed.value.code == 50035 and "embeds.0.description" in big_embed.value.text
    assert forbidden.value.code == 50001
    assert len(dc.channel_messages) == 1


async def test_dm_channel_and_closed_dms(dc: FakeDiscord, bot: SelftestBot) -> None:
    user = await bot.fetch_user(dc.member_user_id)
    await user.send("your alert fired")
    dc.forbid_dm(dc.admin_user_id)

    with pytest.raises(discord.Forbidden) as closed:
        await (await bot.fetch_user(dc.admin_user_id)).send("hello")

    [dm] = await dc.wait_for_channel_messages(1, timeout=HARD_TIMEOUT)
    assert dm.channel_id == dc.dm_channel_id(dc.member_user_id)
    assert closed.value.code == 50007


async def test_reconnect_resumes_and_interactions_still_work(dc: FakeDiscord, bot: SelftestBot) -> None:
    await dc.request_reconnect(timeout=HARD_TIMEOUT)

    handle = await dc.invoke_slash("ping")
    reply = await dc.wait_for_response(handle, timeout=HARD_TIMEOUT)

    assert dc.resume_count == 1 and len(dc.identify_payloads) == 1
    assert dc.gateway_queries[-1]["path"] == "/ws-resume/"
    assert reply.content == "pong"


async def test_rest_answers_are_plain_json_and_unknown_routes_are_reported(dc: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {dc.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{dc.api_base}/users/@me") as me:
            assert me.headers["Content-Type"] == "application/json"
        async with session.get(f"{dc.api_base}/voice/regions") as unknown:
            assert unknown.status == 404
        async with session.get(f"{dc.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as denied:
            assert denied.status == 401
    assert dc.unknown_routes == ["GET /api/v10/voice/regions"]
    dc.unknown_routes.clear()


async def test_wrong_token_fails_login(dc: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()


async def test_autocomplete_select_menu_and_followups(dc: FakeDiscord, bot: SelftestBot) -> None:
    typing = await dc.invoke_autocomplete("market", focused="name", value="btc")
    assert await dc.wait_for_ack(typing, timeout=HARD_TIMEOUT) == 8
    assert [c["value"] for c in typing.autocomplete_choices or []] == ["btc-100k", "btc-150k"]

    handle = await dc.invoke_slash("market", [{"name": "name", "value": "btc-150k"}])
    first, followup, edited = await dc.wait_for_replies(handle, 3, timeout=HARD_TIMEOUT)
    assert (first.source, first.content) == ("callback", "market btc-150k")
    assert (followup.source, followup.content) == ("followup", "details")
    assert (edited.source, edited.message_id, edited.content) == ("edit", followup.message_id, "details (edited)")

    pick = await dc.choose_select("pick:side", ["no"], message_id=first.message_id)
    picked = await dc.wait_for_response(pick, timeout=HARD_TIMEOUT)
    assert pick.callback_type == 6
    assert (picked.source, picked.message_id, picked.content) == ("edit", first.message_id, "picked no")
    with pytest.raises(ValueError, match="no component"):
        await dc.choose_select("pick:side", ["yes"], message_id=first.message_id)


async def test_file_upload_and_server_errors(dc: FakeDiscord, bot: SelftestBot) -> None:
    channel = bot.get_channel(dc.channel_ids[1])
    assert isinstance(channel, discord.TextChannel)

    await channel.send("export", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="whales.csv"))
    dc.fail_next("/messages", status=503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("during an outage")

    [sent] = await dc.wait_for_channel_messages(1, timeout=HARD_TIMEOUT)
    assert sent.content == "export"
    assert [(a["filename"], a["size"]) for a in sent.attachments] == [("whales.csv", 8)]
