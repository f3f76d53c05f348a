"""Inline buttons under alerts (View / Mute market or wallet) -> CommandService.press.

Every button press is answered, also one the bot does not know (an old message, a changed
version): the service says so, and Telegram stops showing the press as pending."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.handlers.common import reply, user_ref
from scanner_core.commands import CommandService, Notice, ServiceError
from scanner_core.presentation import result_view


def build_button_handlers(service: CommandService) -> list[BaseHandler[Any, Any, Any]]:
    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        try:
            user = await user_ref(update, context)
            result = await service.press(user, query.data or "")
        except ServiceError as exc:
            await query.answer(exc.user_message[:200], show_alert=True)
            return
        if isinstance(result, Notice):  # a mute: a toast is enough
            await query.answer(result.text[:200])
            return
        await query.answer()
        await reply(update, result_view(result), buttons=False)

    return [CallbackQueryHandler(pressed)]
