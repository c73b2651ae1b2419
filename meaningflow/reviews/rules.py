"""Policy numbers of the reviews app (SPEC SW-6: reviews within 14 days of completion)."""

REVIEW_WINDOW_DAYS = 14
RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX_LENGTH = 2000
