"""Text handling for scoring: normalisation, stems, tolerant phrase matching, claims.

Matching policy (used for rubric key points, red flags and the engine's red-flag escalations):
1. Both texts are normalised: English contractions expanded ("we're" → "we are"), case folded,
   punctuation and apostrophes turned into spaces.
2. Each word is reduced to its Snowball stem in the scenario's language (English or French) and
   stripped of accents, so inflections match: "apologised" ~ "apologise", "enquêtes" ~ "enquête".
3. Two stems match when equal, when one is a prefix of the other (at least 5 letters), or when they
   look like a typo of each other: 6 letters or more, lengths within 2, the same first letter and a
   rapidfuzz similarity ratio of at least 85 ("investigaton"). So "misunderstanding" does not pass for
   "understand", "appelé" (called) not for "rappel" (recall), "what" not for "whatever", and short
   words must match exactly.
4. A phrase matches when its stems appear in order in the text, with at most one extra word between
   two of them ("we are truly sorry" says "we are sorry"), unless that word is a negation: "he has not
   been cleared" does not say "has been cleared".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

import snowballstemmer
from rapidfuzz import fuzz

_WORD = re.compile(r"\w+", re.UNICODE)
_CONTRACTIONS = [
    (re.compile(r"\b(can)['’]t\b", re.I), r"\1 not"),
    (re.compile(r"\bwon['’]t\b", re.I), "will not"),
    (re.compile(r"n['’]t\b", re.I), " not"),
    (re.compile(r"['’]re\b", re.I), " are"),
    (re.compile(r"['’]ve\b", re.I), " have"),
    (re.compile(r"['’]ll\b", re.I), " will"),
    (re.compile(r"['’]m\b", re.I), " am"),
    (re.compile(r"['’]d\b", re.I), " would"),
]
MAX_GAP = 1
FUZZY_MIN_LEN = 6
FUZZY_MIN_RATIO = 85
PREFIX_MIN_LEN = 5
NEGATION_STEMS = frozenset({"not", "never", "no", "nobodi", "pas", "jam", "jamais", "ni", "aucun", "person"})


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str, language: str = "en") -> list[str]:
    """Lower-case words of ``text`` (accents kept), contractions expanded in English."""
    return list(_words(text, language))


@lru_cache(maxsize=100_000)
def _words(text: str, language: str) -> tuple[str, ...]:
    if language == "en":
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    return tuple(_WORD.findall(text.casefold().replace("_", " ")))


@lru_cache(maxsize=4)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("french" if language == "fr" else "english")


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = "en") -> str:
    return strip_accents(_stemmer(language).stemWord(word))


def stems(text: str, language: str = "en") -> list[str]:
    return (
        list(_phrase_stems(text, language))
        if len(text) < 80
        else [stem(w, language) for w in words(text, language)]
    )


@lru_cache(maxsize=50_000)
def _phrase_stems(text: str, language: str) -> tuple[str, ...]:
    return tuple(stem(w, language) for w in words(text, language))


@lru_cache(maxsize=262_144)
def same_word(a: str, b: str) -> bool:
    """Stems that count as the same word (see policy, rule 3).

    Cached: a scenario's phrases meet the same few thousand words of its replies again and again
    (a reply's rubric is looked up as it arrives, then again by the report)."""
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= PREFIX_MIN_LEN and longer.startswith(shorter):
        return True
    # Typos only: close lengths and the same first letter, so "misunderstand" never passes for
    # "understand", nor "appel" (call) for "rappel" (recall).
    return (
        len(shorter) >= FUZZY_MIN_LEN
        and len(longer) - len(shorter) <= 2
        and a[0] == b[0]
        and fuzz.ratio(a, b) >= FUZZY_MIN_RATIO
    )


def find_sequence(
    needle: Sequence[str], haystack: Sequence[str], same: Callable[[str, str], bool] = same_word
) -> tuple[int, int] | None:
    """(first, last) indexes in ``haystack`` where ``needle`` is said (rule 4), or None.
    ``same(wanted, token)`` decides whether two stems are the same word."""
    return find_accepted([partial(same, wanted) for wanted in needle], haystack)


def find_accepted(
    accepts: Sequence[Callable[[str], bool]], haystack: Sequence[str]
) -> tuple[int, int] | None:
    """``find_sequence`` with, for each word of the needle, the test a token must pass to be it
    (a set's ``__contains__`` where the alike stems are known in advance: the report's hot loop)."""
    if not accepts:
        return None
    first, rest = accepts[0], accepts[1:]
    for start, token in enumerate(haystack):
        if not first(token):
            continue
        position = start
        for accept in rest:
            window = haystack[position + 1 : position + 2 + MAX_GAP]
            step = next((i for i, t in enumerate(window, start=1) if accept(t)), None)
            if step is None or any(t in NEGATION_STEMS for t in window[: step - 1]):
                break
            position += step
        else:
            return start, position
    return None


@dataclass(frozen=True)
class Match:
    phrase: str
    quote: str  # the words of the reply that matched
    start: int = 0  # index of the first matched word


class Text:
    """A reply prepared once for many phrase look-ups."""

    def __init__(self, text: str, language: str = "en") -> None:
        self.text = text
        self.language = language
        self.words = words(text, language)
        self.stems = [stem(w, language) for w in self.words]
        self.known: Iterable[str] = ()  # phrases a PhraseMatcher already looked up
        self.found: dict[str, Match] = {}

    def says(self, phrase: str) -> Match | None:
        if phrase in self.known:
            return self.found.get(phrase)
        found = find_sequence(stems(phrase, self.language), self.stems)
        if found is None:
            return None
        start, last = found
        return Match(phrase, " ".join(self.words[start : last + 1]), start)

    def first(self, phrases: Iterable[str]) -> Match | None:
        known, found = self.known, self.found
        for phrase in phrases:
            # ``says`` inlined for phrases a PhraseMatcher looked up: a report asks a million times.
            match = found.get(phrase) if phrase in known else self.says(phrase)
            if match:
                return match
        return None


# --- claims: numbers attached to a noun, for facts and contradictions ------------------------------

_NUMBER_WORDS = {
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "hundred": 100},
    "fr": {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
           "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "vingt": 20, "trente": 30, "cent": 100},
}  # fmt: skip
_SKIP_AFTER_NUMBER = {"en": {"of", "the", "our", "more", "than", "new", "other", "h", "am", "pm"},
                      "fr": {"de", "des", "du", "nos", "autres", "h", "heures"}}  # fmt: skip
_NUMERIC = re.compile(r"^\d+(?:[.,]\d+)?$")
_TIME_MARKS = {"h", "am", "pm", "heures", "o", "clock"}


@dataclass(frozen=True)
class Claim:
    """ "12 … injured": a quantity, what it counts (the first one or two meaningful words after it:
    ``keys``), and the meaningful words of its clause (``context``). Dates have ``about == "date"``."""

    about: str
    value: float
    quote: str
    keys: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()

    def same_kind(self, other: Claim) -> bool:
        """Both dates, or quantities of the same thing."""
        if (self.about == "date") != (other.about == "date"):
            return False
        return self.about == "date" or bool(self.keys & other.keys)


_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f,.](?=\d{3}(?!\d))")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
_NUMBER_OR_WORD = re.compile(r"(\d+(?:\.\d+)?)(?:er|re|e|ème|st|nd|rd|th)?(?!\w)|\w+|%", re.UNICODE)


_CLAUSE = re.compile(r"[,;:()\[\]]|\bthen\b|\bpuis\b|\bwhile\b|\balors que\b")


def claims(text: str, language: str = "en") -> list[Claim]:
    """Quantities and dates in ``text``, clause by clause.

    A number (digits, with thousands separators or a decimal comma, or a small number in words) counts
    the first one or two meaningful words after it in its clause: "12 customers were injured" →
    keys {custom, injur}, "9,800 mobility aids" → {mobil, aid}. A number next to a month or a weekday
    is a date (digits only). Times of day ("8 h 15") and years are not quantities."""
    prepared = _DECIMAL_COMMA.sub(".", _THOUSANDS.sub("", text.casefold()))
    numbers = _NUMBER_WORDS.get(language, {})
    months = MONTHS.get(language, set())
    stop = _stop_words(language)
    found: list[Claim] = []
    for clause in _CLAUSE.split(prepared):
        tokens = [
            (m.group(0), float(m.group(1)) if m.group(1) else None) for m in _NUMBER_OR_WORD.finditer(clause)
        ]
        context = content_stems(clause, language)
        for index, (token, value) in enumerate(tokens):
            digits = value is not None
            if not digits and token not in numbers:
                continue
            value = value if digits else float(numbers[token])
            following = tokens[index + 1][0] if index + 1 < len(tokens) else ""
            previous = tokens[index - 1][0] if index else ""
            if (
                following in _TIME_MARKS
                or previous in _TIME_MARKS
                or (digits and 1900 <= value <= 2100 and value.is_integer())
            ):
                continue  # a time of day or a year, not a quantity
            if following in months or previous in months:
                if digits:
                    quote = " ".join(t for t, _ in tokens[max(0, index - 1) : index + 2])
                    found.append(Claim("date", value, quote, frozenset({"date"}), context))
                continue
            keys: list[str] = []
            last = index
            for offset, (after, after_value) in enumerate(tokens[index + 1 : index + 5], start=1):
                if after in ("%", "percent", "pourcent"):
                    keys, last = ["percent"], index + offset
                    break
                if after_value is not None or after in numbers:
                    break  # the next figure counts what follows it
                if after in stop or len(after) < 3:
                    continue
                keys.append(stem(after, language))
                last = index + offset
                if len(keys) == 2:
                    break
            if keys:
                quote = " ".join(t for t, _ in tokens[index : last + 1])
                found.append(Claim(keys[0], value, quote, frozenset(keys), context))
    return found


def unambiguous(found: list[Claim]) -> list[Claim]:
    """Drop figures a clause gives twice with different values ("between 14 and 90 days", "from 2 to
    5 June"): such a clause states a range or a sequence, not one figure."""
    return [
        c
        for c in found
        if not any(
            o is not c and o.context == c.context and o.same_kind(c) and o.value != c.value for o in found
        )
    ]


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])\s+|\n+", text)
    return [p.strip() for p in parts if p.strip()]


# --- subjects: the content words two sentences share --------------------------------------------

_FRENCH_STOP = set(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "à",
        "m",
        "n",
        "s",
        "t",
        "y",
        "été",
        "être",
        "avoir",
        "ont",
        "est",
        "sont",
        "fait",
        "cette",
        "cet",
        "ça",
        "plus",
        "tout",
        "tous",
        "très",
        "aussi",
        "bien",
        "comme",
    ]
)
MONTHS = {
    "en": {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
    "fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"},
}  # fmt: skip


def _stop_words(language: str) -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(_FRENCH_STOP) if language == "fr" else ENGLISH_STOP_WORDS


@lru_cache(maxsize=100_000)
def content_stems(text: str, language: str = "en") -> frozenset[str]:
    """Stems of the meaningful words of ``text``: no stop words, numbers, months or days."""
    stop = _stop_words(language)
    months = MONTHS.get(language, set())
    return frozenset(
        stem(w, language)
        for w in _words(text, language)
        if len(w) >= 3 and w not in stop and w not in months and not _NUMERIC.match(w)
    )


# --- many phrases against many texts, fast -----------------------------------------------------------


class PhraseMatcher:
    """The matching policy above, indexed for a whole exercise.

    Comparing every reply with every phrase word by word is quadratic. Instead, the stems of all the
    texts (the vocabulary) and of all the phrases are known up front: for each phrase stem we compute
    once which vocabulary stems count as the same word (exact, prefix, or typo with rapidfuzz's C
    ``process.extract``), and index phrases by the vocabulary stems their first word matches. A text
    then only checks the few phrases whose first word it contains.
    """

    def __init__(self, language: str, phrases: Iterable[str], texts: Iterable[str]) -> None:
        from rapidfuzz import process

        self.language = language
        self.phrases: dict[str, tuple[str, ...]] = {}
        for phrase in phrases:
            needle = tuple(stems(phrase, language))
            if needle:
                self.phrases[phrase] = needle
        vocabulary = sorted({s for text in texts for s in stems(text, language)})
        self.vocabulary = set(vocabulary)
        self.same: dict[str, frozenset[str]] = {}
        for token in {t for needle in self.phrases.values() for t in needle}:
            matches = {token} if token in self.vocabulary else set()
            if len(token) >= PREFIX_MIN_LEN:
                start = bisect_left(vocabulary, token)
                while start < len(vocabulary) and vocabulary[start].startswith(token):
                    matches.add(vocabulary[start])
                    start += 1
                matches.update(
                    token[:n] for n in range(PREFIX_MIN_LEN, len(token)) if token[:n] in self.vocabulary
                )
            if len(token) >= FUZZY_MIN_LEN - 2:
                for candidate, _, _ in process.extract(
                    token, vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO, limit=None
                ):
                    if same_word(token, candidate):
                        matches.add(candidate)
            self.same[token] = frozenset(matches)
        self.by_first: dict[str, list[str]] = {}
        for phrase, needle in self.phrases.items():
            for stem_ in self.same[needle[0]]:
                self.by_first.setdefault(stem_, []).append(phrase)

    def text(self, text: str) -> Text:
        """A ``Text`` whose look-ups of the known phrases are already answered."""
        prepared = Text(text, self.language)
        found: dict[str, Match] = {}
        candidates = {p for s in set(prepared.stems) for p in self.by_first.get(s, ())}
        for phrase in candidates:
            match = self._find(prepared, phrase, self.phrases[phrase])
            if match is not None:
                found[phrase] = match
        prepared.known = self.phrases.keys()
        prepared.found = found
        return prepared

    def _find(self, prepared: Text, phrase: str, needle: tuple[str, ...]) -> Match | None:
        found = find_accepted([self.same[wanted].__contains__ for wanted in needle], prepared.stems)
        if found is not None:
            start, last = found
            return Match(phrase, " ".join(prepared.words[start : last + 1]), start)
        return None
