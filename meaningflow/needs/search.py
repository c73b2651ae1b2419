"""Full-text search for needs that works for Chinese and English on both databases.

Neither SQLite's FTS5 tokenisers nor PostgreSQL's parsers split Chinese into words, and
trigram indexes cannot find two-character words such as 饺子. So the text is tokenised
here, once, in Python, into a space-separated *search document*:

* every run of CJK characters gives its single characters and its overlapping bigrams
  ("包饺子" → 包 饺 子 包饺 饺子), so any query of one or more characters matches;
* every Latin word is lower-cased, accent-folded and lightly stemmed
  ("Dumplings" → dumpling), so plural and -ing forms meet.

The database then only has to index whitespace-separated tokens: an FTS5 table on SQLite,
a generated ``tsvector`` column ('simple' configuration) with a GIN index on PostgreSQL
(docs/SEARCH.md). A query is tokenised the same way and all its tokens must match.
"""

import re
import unicodedata

from django.db import connection

# CJK unified ideographs (with extension A), compatibility ideographs, kana and hangul.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
MAX_QUERY_TOKENS = 16

_SUFFIXES = ("ing", "ed", "er")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def stem(word: str) -> str:
    """A deliberately small English stemmer: plural first, then one of -ing/-ed/-er
    (dumplings → dumpl ← dumpling, cooking → cook, classes → class, running → run).
    Documents and queries go through the same function, so only consistency matters."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("es") and word[:-2].endswith(("ss", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in _SUFFIXES:
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3:
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "aeiouls":
                base = base[:-1]  # running → runn → run
            return base
    return word


def tokens(text: str, *, unigrams: bool = True) -> list[str]:
    """The search tokens of ``text`` in order (duplicates kept: they weigh in ranking)."""
    out: list[str] = []
    for match in _TOKEN.finditer(_fold(text or "")):
        token = match.group()
        if _CJK_RUN.fullmatch(token):
            if unigrams or len(token) == 1:
                out.extend(token)
            out.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            out.append(stem(token))
    return out


def query_tokens(q: str) -> list[str]:
    """Tokens a query must all match. A multi-character CJK run needs only its bigrams
    (they imply the characters); a single character stays a unigram."""
    seen: dict[str, None] = {}
    for token in tokens(q, unigrams=False):
        seen.setdefault(token, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def document(*, title: str, texts: list[str]) -> str:
    """The search document: the title twice (title words rank higher), then the rest."""
    words = tokens(title) * 2
    for text in texts:
        words += tokens(text)
    return " ".join(words)


def fts5_query(q_tokens: list[str]) -> str:
    """An FTS5 MATCH expression: every token quoted, all required."""
    return " AND ".join(f'"{t}"' for t in q_tokens)


def tsquery(q_tokens: list[str]) -> str:
    """A to_tsquery('simple', …) expression: tokens are [a-z0-9] or CJK, so no escaping
    is needed beyond quoting."""
    return " & ".join(f"'{t}'" for t in q_tokens)


# --- keeping the index in sync (called by the services that write needs) --------------


def index_update(*, need_id: int, document_text: str) -> None:
    """Sync the FTS5 row of one need on SQLite. PostgreSQL needs nothing: its tsvector is
    a generated column over ``search_document``."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM needs_need_fts WHERE rowid = %s", [need_id])
        cursor.execute(
            "INSERT INTO needs_need_fts(rowid, search_document) VALUES (%s, %s)",
            [need_id, document_text],
        )


def index_delete(*, need_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM needs_need_fts WHERE rowid = %s", [need_id])
