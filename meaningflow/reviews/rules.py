"""Policy numbers of the reviews app (SPEC SW-6: reviews within 14 days of completion)."""

from collections.abc import Mapping

REVIEW_WINDOW_DAYS = 14
RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX_LENGTH = 2000


def rating_level(stars: float | None, *, levels: Mapping[str, float]) -> str:
    """good / neutral / bad (好评 / 中评 / 差评, the keys of the ledger's rating tables) for
    an average of ``stars`` on the 1..5 scale. ``levels`` holds the caller's dated
    thresholds, ``{"good_from": 4, "neutral_from": 3}``; no rating at all is neutral."""
    if stars is None:
        return "neutral"
    if stars >= levels["good_from"]:
        return "good"
    if stars >= levels["neutral_from"]:
        return "neutral"
    return "bad"
