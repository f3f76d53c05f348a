"""The one category taxonomy: a market's category from its Gamma tags, or else from its slugs and title.

Used everywhere a category is needed: Gamma markets and events (tags), and a wallet's trades and
positions (Data API rows carry a slug, an event slug and a title but no tags; one Gamma call per
market would cost more than the whole wallet history). Tags decide first, in Gamma's order; then
the league code that leads a sports slug ("nfl-sea-ne-...", "ucl-vil1-aja-..."); then words. The
vocabulary is the leaderboard's: politics, sports, crypto, economics, finance, tech, culture,
weather, mentions, and "other" when nothing matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

OTHER = "other"
CATEGORIES = ("politics", "sports", "crypto", "economics", "finance", "tech", "culture", "weather", "mentions")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Gamma tag slugs (or labels, lowercased with hyphens) -> category
_CATEGORY_OF_TAG: dict[str, str] = {}
for _category, _slugs in (
    (
        "politics",
        "politics elections us-presidential-election world-elections global-elections primaries "
        "us-politics geopolitics trump congress senate midterms world",
    ),
    (
        "sports",
        "sports nba nfl nhl mlb soccer football tennis golf ufc mma boxing cricket f1 formula-1 "
        "esports champions-league epl premier-league ncaa basketball baseball hockey chess",
    ),
    ("crypto", "crypto bitcoin ethereum solana xrp dogecoin crypto-prices memecoins"),
    ("economics", "economy economics fed fed-rates inflation gdp jobs macro interest-rates"),
    ("finance", "finance stocks business earnings ipos ipo commodities equities"),
    ("tech", "tech technology ai big-tech science space openai"),
    ("culture", "culture pop-culture movies music celebrities awards tv entertainment oscars"),
    ("weather", "weather climate temperature hurricanes"),
    ("mentions", "mentions"),
):
    for _slug in _slugs.split():
        _CATEGORY_OF_TAG[_slug] = _category

_SPORTS_PREFIXES = _words(
    """
    nfl nba nhl mlb wnba mls epl ucl uel uecl lal bun sea fl1 ere por bra arg mex itc cbb cfb ncaab ncaaf
    atp wta ufc pfl boxing f1 nascar indycar fifwc wc uefa euro copa afcon ipl cric t20 odi
    cs2 csgo lol dota2 val r6 cod pga lpga golf tennis kbo npb khl ahl nrl afl
    """
)
# Checked in this order: the first group with a matching word wins ("will trump say bitcoin" is mentions).
_KEYWORDS: tuple[tuple[str, frozenset[str]], ...] = (
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
            match game series mvp grand prix open dota esports
            """
        ),
    ),
)
_SPLIT = re.compile(r"[^a-z0-9]+")


def category_of(*, tags: Iterable[str] = (), slug: str = "", event_slug: str = "", title: str = "") -> str:
    """One of CATEGORIES, "other" when the market is described but nothing names a category, ""
    when nothing describes it at all (no tags, slugs or title)."""
    described = False
    for tag in tags:
        described = True
        found = _CATEGORY_OF_TAG.get(tag.strip().lower().replace(" ", "-"))
        if found:
            return found
    if slug or event_slug or title:
        return _from_text(slug, event_slug, title)
    return OTHER if described else ""


@lru_cache(maxsize=32_768)
def _from_text(slug: str, event_slug: str, title: str) -> str:
    for text in (event_slug, slug):
        if text.lower().split("-", 1)[0] in _SPORTS_PREFIXES:
            return "sports"
    words = set(_SPLIT.split(f"{slug} {event_slug} {title}".lower()))
    words.discard("")
    for category, vocabulary in _KEYWORDS:
        if words & vocabulary:
            return category
    return OTHER
