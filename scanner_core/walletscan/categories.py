"""A market's category from its slug, event slug and title, without asking Gamma.

Position rows carry no category, and one Gamma call per market would cost more than the whole
wallet scan. The slug nearly always says it: league codes lead sports slugs ("nfl-sea-ne-...",
"ucl-vil1-aja-..."), and a few words name the rest. The vocabulary is the leaderboard's, in the
same lowercase as `normalise.category_from_tags`.
"""

from __future__ import annotations

import re
from functools import lru_cache

OTHER = "other"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPORTS_PREFIXES = _words(
    """
    nfl nba nhl mlb wnba mls epl ucl uel uecl lal bun sea fl1 ere por bra arg mex itc cbb cfb ncaab ncaaf
    atp wta ufc pfl boxing f1 nascar indycar fifwc wc uefa euro copa afcon ipl cric t20 odi
    cs2 csgo lol dota2 val r6 cod pga lpga golf tennis kbo npb khl ahl nrl afl
    """
)
# Checked in this order: the first group with a matching word wins ("will trump say bitcoin" is mentions).
_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("mentions", _words("say says said mention mentions mentioned tweet tweets post posts")),
    (
        "crypto",
        _words(
            """
            bitcoin btc ethereum eth solana sol xrp doge dogecoin crypto memecoin bnb cardano ada updown
            pepe shib litecoin ltc usdt usdc stablecoin
            """
        ),
    ),
    ("weather", _words("temperature weather hurricane snow rain rainfall heat celsius fahrenheit")),
    (
        "economics",
        _words(
            """
            fed fomc inflation cpi gdp recession unemployment payrolls jobs interest rates ecb boe
            tariff tariffs treasury yield
            """
        ),
    ),
    (
        "finance",
        _words(
            "stock stocks spx sp500 nasdaq dow earnings ipo shares gold silver oil tsla aapl nvda msft amzn googl meta"
        ),
    ),
    ("tech", _words("ai openai gpt chatgpt gemini claude anthropic apple google microsoft spacex starship iphone")),
    (
        "culture",
        _words(
            """
            oscar oscars grammy grammys emmy emmys movie film album song spotify billboard netflix
            eurovision celebrity taylor swift tv show
            """
        ),
    ),
    (
        "politics",
        _words(
            """
            election elections president presidential trump biden harris senate house governor mayor
            parliament prime minister nominee nomination primary democrat democrats democratic
            republican republicans gop vote votes poll polls cabinet impeach impeached putin zelensky
            ceasefire war invade invasion nato congress supreme court pope
            """
        ),
    ),
    (
        "sports",
        _words(
            """
            vs win championship cup league playoffs finals super bowl spread total goals touchdown
            match game series mvp grand prix open
            """
        ),
    ),
)
_SPLIT = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=16_384)
def category_of(slug: str, event_slug: str = "", title: str = "") -> str:
    """One of politics, sports, crypto, economics, finance, tech, culture, weather, mentions, other."""
    for text in (event_slug, slug):
        head = text.lower().split("-", 1)[0]
        if head in _SPORTS_PREFIXES:
            return "sports"
    words = set(_SPLIT.split(f"{slug} {event_slug} {title}".lower()))
    words.discard("")
    for category, vocabulary in _WORDS:
        if words & vocabulary:
            return category
    return OTHER
