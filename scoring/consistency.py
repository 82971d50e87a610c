"""Consistency: what a team said, against the rubrics, the facts sheet, its own statements and itself.

Five parts, each 0-100, combined with the policy's weights (40/15/15/15/15 by default):
- coverage: for each post that required a reply, the share of its rubric's key points said in the
  team's replies to it (severity-weighted mean; unanswered = 0). Facilitator overrides can mark a key
  point met or unmet.
- facts: 100 − 25 per disagreement with the facts sheet or with the team's own first holding statement
  (a different number for the same thing, or another status from a mutually exclusive group, in a
  sentence on the same subject).
- contradictions: 100 − 25 per pair of the team's replies that contradict each other: different
  numbers for the same thing, mutually exclusive statuses ("on leave" / "dismissed"), or a stance flip
  (denial in one, acceptance or apology in the other). Facilitators can flag more.
- red_flags: 100 − 20 per red flag: the inject's own rubric flags, refusing to comment, blaming
  customers, sarcasm, and answering a troll.
- tone: mean per reply of 60, +20 with empathy, +20 with politeness, +10 when addressed to the person
  by name, −40 when rude or condescending, −20 for form-letter wording, −20 when shouting.
"Same subject": the two sentences share a meaningful word besides the figure's noun or the status
(two for dates and stance flips, which are looser), or are near-duplicates (character n-gram TF-IDF
cosine similarity of at least ``NEAR_DUPLICATE``, scikit-learn). Each pair of sentences counts once. Facts, contradictions, red flags and tone only give credit for
what was said: they are multiplied by answered / expected, so a silent team scores 0, not 100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import combinations

from sklearn.feature_extraction.text import TfidfVectorizer

from . import lexicon
from .inputs import ExerciseFacts, InjectSpec, ReplyFact
from .reasons import Phrase, Reason
from .reasons import phrase as say
from .text import Claim, Match, Text, claims, content_stems, same_word, sentences, unambiguous

NEAR_DUPLICATE = 0.6
FACT_PENALTY = 25
CONTRADICTION_PENALTY = 25
RED_FLAG_PENALTY = 20
REVERSED = "no longer "  # marks a status turned around by a reversal word, in quotes shown to users
STANCE_FLIP = "detail.stance_flip"  # the code of a stance flip's reason
MAX_LISTED = 20  # facts disagreements or contradictions listed per team: the score is 0 long before


@dataclass
class Sentence:
    text: str
    claims: list[Claim]
    statuses: dict[int, tuple[str, str]]  # group index -> (option, quote)
    stance: tuple[str, str] | None  # ("denial" | "acceptance", quote)
    content: frozenset[str] = field(default_factory=frozenset)
    denied: dict[int, tuple[str, str]] = field(default_factory=dict)  # facts only: "nobody was suspended"
    row: int = -1


@dataclass
class ConsistencyResult:
    parts: dict[str, float]
    score: float
    key_points: dict[str, dict[str, bool]] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)


class Subjects:
    """Sentence similarity over one exercise: a TF-IDF model over every sentence that states a figure,
    a status or a stance, fitted on first use (most reports never need it)."""

    def __init__(self, all_sentences: list[Sentence]) -> None:
        self.sentences = [s for s in all_sentences if s.claims or s.statuses or s.stance]
        self.matrix = None
        self._cache: dict[int, dict[int, float]] = {}

    def _fit(self) -> None:
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, strip_accents="unicode"
        )
        self.matrix = vectorizer.fit_transform([s.text for s in self.sentences]).tocsr()
        for row, sentence in enumerate(self.sentences):
            sentence.row = row

    def _row(self, index: int) -> dict[int, float]:
        if index not in self._cache:
            start, end = self.matrix.indptr[index], self.matrix.indptr[index + 1]
            self._cache[index] = dict(
                zip(
                    self.matrix.indices[start:end].tolist(), self.matrix.data[start:end].tolist(), strict=True
                )
            )
        return self._cache[index]

    def similarity(self, a: Sentence, b: Sentence) -> float:
        """Cosine similarity of the two sentences' character n-gram TF-IDF vectors."""
        if self.matrix is None and self.sentences:
            self._fit()
        if a.row < 0 or b.row < 0:
            return 0.0
        left, right = self._row(a.row), self._row(b.row)
        if len(left) > len(right):
            left, right = right, left
        return sum(value * right.get(key, 0.0) for key, value in left.items())


class FactsSheet:
    """The scenario's facts, analysed once, with each reply sentence's verdict cached by its text
    (teams repeat their lines)."""

    def __init__(self, sentences_: list[Sentence], subjects: Subjects) -> None:
        self.sentences = sentences_
        self.subjects = subjects
        self.by_about: dict[str, list[Sentence]] = {}
        statuses: dict[int, list[tuple[str, str, Sentence]]] = {}
        for fact in sentences_:
            for claim in fact.claims:
                for key in claim.keys:
                    self.by_about.setdefault(key, []).append(fact)
            for group, (option, quote) in fact.statuses.items():
                statuses.setdefault(group, []).append((option, quote, fact))
        self.denied: dict[int, list[tuple[str, str, Sentence]]] = {}
        for fact in sentences_:
            for group, (option, quote) in fact.denied.items():
                self.denied.setdefault(group, []).append((option, quote, fact))
        # A reversal the sheet mentions ("the suspension was lifted on 10 March") is the current status.
        self.current_statuses = {
            group: [s for s in stated if s[1].startswith(REVERSED)] or stated
            for group, stated in statuses.items()
        }
        self._verdicts: dict[str, list[Phrase]] = {}

    def disagreements(self, sentence: Sentence) -> list[Phrase]:
        """Why ``sentence`` disagrees with the facts sheet (one reason per fact sentence)."""
        if sentence.text not in self._verdicts:
            self._verdicts[sentence.text] = self._judge(sentence)
        return self._verdicts[sentence.text]

    def _judge(self, sentence: Sentence) -> list[Phrase]:
        """The facts sheet may state several figures for one thing (a story: "first report on 2 June,
        stop-sale on 7 June"): a figure it states anywhere on the subject is consistent with it."""
        found: list[Phrase] = []
        for claim in sentence.claims:
            facts = {id(f): f for key in claim.keys for f in self.by_about.get(key, [])}.values()
            stated = [
                fc
                for f in facts
                for fc in f.claims
                if fc.same_kind(claim) and _related(claim, fc, sentence, f, self._near_duplicate)
            ]
            if stated and claim.value not in {fc.value for fc in stated}:
                found.append(say("detail.versus", a=claim.quote, b=stated[0].quote))
        # statuses: the current one (after any reversal the sheet mentions) or any it states
        for group, (option, quote) in sentence.statuses.items():
            denied = [f for o, _, f in self.denied.get(group, []) if o == option]
            # "Nobody has been suspended" is about everyone: a short denial relates to any such claim
            if any(
                _shared(sentence, f, content_stems(quote)) >= 1 or len(f.content - content_stems(quote)) <= 1
                for f in denied
            ):
                found.append(say("detail.sheet_denies", quote=quote))
                continue
            stated = self.current_statuses.get(group, [])
            if stated and option not in {o for o, _, _ in stated}:
                status_words = content_stems(quote)
                related = [
                    q for o, q, f in stated if _shared(sentence, f, status_words | content_stems(q)) >= 1
                ]
                if related:
                    found.append(say("detail.sheet_says", quote=quote, fact=related[0]))
        return found

    def _near_duplicate(self, a: Sentence, b: Sentence) -> bool:
        return min(len(a.content), len(b.content)) >= 3 and self.subjects.similarity(a, b) >= NEAR_DUPLICATE


def analyse(
    text: str, language: str, prepare: Callable[[str], Text] | None = None, *, is_fact: bool = False
) -> list[Sentence]:
    """Split a reply (or a fact of the facts sheet) into sentences and read what each asserts."""
    result = []
    for sentence in sentences(text):
        prepared = prepare(sentence) if prepare else Text(sentence, language)
        content = content_stems(sentence, language)
        if is_fact:  # a fact's sentence is about one thing: its figures take the whole sentence as context
            found = [replace(c, context=c.context | content) for c in claims(sentence, language)]
        else:
            found = unambiguous(claims(sentence, language))
        # In a reply, "On 6 March she was suspended" is history, not a statement of status. The facts
        # sheet keeps its dated sentences: they are what happened (see the facts check).
        dated = not is_fact and any(c.about == "date" for c in found)
        result.append(
            Sentence(
                sentence,
                found,
                {} if dated else _statuses(prepared, language),
                _stance(prepared, language),
                content,
                _statuses(prepared, language, negated=True) if is_fact else {},
            )
        )
    return result


def _negated(prepared: Text, start: int, language: str) -> bool:
    before = prepared.words[max(0, start - 4) : start]
    return any(word in lexicon.NEGATIONS[language] for word in before)


@lru_cache(maxsize=4)
def _status_phrases(language: str) -> dict[str, tuple[int, str]]:
    """phrase -> (group index, option) for the status groups of ``language``."""
    return {
        phrase: (index, option)
        for index, group in enumerate(lexicon.STATUS_GROUPS[language])
        for option, synonyms in group.items()
        for phrase in synonyms
    }


def _statuses(prepared: Text, language: str, negated: bool = False) -> dict[int, tuple[str, str]]:
    """The status each group's words give the sentence. The longest match wins ("no recall" over
    "recall"); a sentence naming two different options of a group ("suspended pending a possible
    dismissal") is narrative, not a statement, and counts for neither."""
    known = _status_phrases(language)
    if prepared.found or prepared.known:  # indexed: only look at what matched
        hits = [(phrase, match) for phrase, match in prepared.found.items() if phrase in known]
    else:
        hits = [(phrase, m) for phrase in known if (m := prepared.says(phrase))]
    by_group: dict[int, list[tuple[str, str, int, int]]] = {}
    reversal_words, reversed_to = lexicon.STATUS_REVERSALS[language]
    for phrase, match in hits:
        if _negated(prepared, match.start, language) is negated:
            group, option = known[phrase]
            quote, length = match.quote, len(match.quote.split())
            nearby = prepared.words[max(0, match.start - 4) : match.start + length + 3]
            if option in reversed_to and any(w in reversal_words for w in nearby):
                option, quote = reversed_to[option], f"{REVERSED}{match.quote}"
            by_group.setdefault(group, []).append((option, quote, match.start, length))
    found: dict[int, tuple[str, str]] = {}
    for group, matches in by_group.items():
        # drop matches inside a longer match ("mise à pied" inside "levée de la mise à pied")
        kept = [
            m
            for m in matches
            if not any(o is not m and o[3] > m[3] and o[2] <= m[2] < o[2] + o[3] for o in matches)
        ]
        if len({m[0] for m in kept}) == 1:
            best = max(kept, key=lambda m: m[3])
            found[group] = (best[0], best[1])
    return found


def _stance(prepared: Text, language: str) -> tuple[str, str] | None:
    acceptance = prepared.first(lexicon.ACCEPTANCE[language])
    denial = prepared.first(lexicon.DENIAL[language])
    if denial and not acceptance:
        return ("denial", denial.quote)
    if acceptance and not denial:
        return ("acceptance", acceptance.quote)
    return None


def _shared(a: Sentence, b: Sentence, besides: set[str]) -> int:
    return len(
        {
            x
            for x in a.content
            if x not in besides and any(same_word(x, y) for y in b.content if y not in besides)
        }
    )


def _conflicts(
    a: Sentence, b: Sentence, subjects: Subjects, stance_context: int = 0, statuses: bool = True
) -> list[Phrase]:
    """Why two sentences on the same subject disagree (empty when they do not)."""
    near: list[bool] = []

    def near_duplicate() -> bool:
        # Near-duplicates must be real sentences: "7 June." and "From 17 June." share only the month.
        if not near:
            substantial = min(len(a.content), len(b.content)) >= 3
            near.append(substantial and subjects.similarity(a, b) >= NEAR_DUPLICATE)
        return near[0]

    found: list[Phrase] = []
    for ca in a.claims:
        for cb in b.claims:
            if (
                ca.value != cb.value
                and ca.same_kind(cb)
                and _related(ca, cb, a, b, lambda x, y: near_duplicate())
            ):
                found.append(say("detail.versus", a=ca.quote, b=cb.quote))
    for group, (option_a, quote_a) in (a.statuses if statuses else {}).items():
        if group in b.statuses and b.statuses[group][0] != option_a:
            status_words = content_stems(quote_a) | content_stems(b.statuses[group][1])
            if _shared(a, b, status_words) >= 1 or near_duplicate():
                found.append(say("detail.versus", a=quote_a, b=b.statuses[group][1]))
    if a.stance and b.stance and a.stance[0] != b.stance[0] and (stance_context >= 1 or near_duplicate()):
        found.append(
            say("detail.stance_flip", a=a.stance[0], quote_a=a.stance[1], b=b.stance[0], quote_b=b.stance[1])
        )
    return found


def _related(
    ca: Claim, cb: Claim, a: Sentence, b: Sentence, near_duplicate: Callable[[Sentence, Sentence], bool]
) -> bool:
    """Do two figures of the same kind speak of the same thing? Dates: their clauses share two
    meaningful words (different events share words easily). Quantities: they count the same two
    words, or their clauses share a meaningful word besides what is counted ("14.2 tonnes for the
    store" and "2,300 tonnes for the group" do not); or the sentences are near-duplicates."""
    if ca.about == "date":
        return len(ca.context & cb.context) >= 2 or near_duplicate(a, b)
    if len(ca.keys & cb.keys) >= 2:
        return True
    keys = ca.keys | cb.keys
    shared = {
        x for x in ca.context if x not in keys and any(same_word(x, y) for y in cb.context if y not in keys)
    }
    return bool(shared) or near_duplicate(a, b)


def _may_conflict(a: Sentence, b: Sentence) -> bool:
    """A cheap test: could these two sentences disagree at all?"""
    if a.stance and b.stance and a.stance[0] != b.stance[0]:
        return True
    if any(g in b.statuses and b.statuses[g][0] != o for g, (o, _) in a.statuses.items()):
        return True
    return any(ca.value != cb.value and ca.same_kind(cb) for ca in a.claims for cb in b.claims)


def _contradicting_pairs(
    replies: list[ReplyFact],
    analysed: dict[str, list[Sentence]],
    subjects: Subjects,
    limit: int,
    language: str,
) -> dict[tuple[int, int], Phrase]:
    """Pairs of replies (by index) that contradict each other, with the first reason found.

    Sentences are indexed by what they assert (a figure's noun, a status group, a stance) and by the
    value they assert; only different values on the same key can disagree, and identical sentences
    (a team repeating its line) are compared once. Collection stops after ``limit`` pairs: the score
    is 0 long before, and the report lists only the first."""
    index: dict[tuple[str, str], dict[str, dict[str, list[tuple[int, Sentence]]]]] = {}
    for i, reply in enumerate(replies):
        for sentence in analysed[reply.reply_id]:
            entries = [(("claim", key), str(c.value)) for c in sentence.claims for key in c.keys]
            entries += [(("status", str(g)), option) for g, (option, _) in sentence.statuses.items()]
            if sentence.stance:
                entries.append((("stance", ""), sentence.stance[0]))
            for key, value in entries:
                index.setdefault(key, {}).setdefault(value, {}).setdefault(sentence.text, []).append(
                    (i, sentence)
                )
    found: dict[tuple[int, int], Phrase] = {}
    for key, by_value in index.items():
        for left, right in combinations(by_value.values(), 2):
            for members_a in left.values():
                for members_b in right.values():
                    if key[0] != "stance":
                        # figures and statuses do not depend on the rest of the replies: decide once per text pair
                        whys = [
                            w
                            for w in _conflicts(members_a[0][1], members_b[0][1], subjects)
                            if w.code != STANCE_FLIP
                        ]
                        if not whys:
                            continue
                    for i, a in members_a:
                        for j, b in members_b:
                            pair = (min(i, j), max(i, j))
                            if i == j or pair in found:
                                continue
                            if key[0] == "stance":
                                first, second = replies[pair[0]], replies[pair[1]]
                                context = _reply_overlap(
                                    analysed[first.reply_id],
                                    analysed[second.reply_id],
                                    first,
                                    second,
                                    language,
                                )
                                whys = [
                                    w for w in _conflicts(a, b, subjects, context) if w.code == STANCE_FLIP
                                ]
                                if not whys:
                                    continue
                            found[pair] = whys[0]
                            if len(found) > limit:
                                return found
    return found


def score_consistency(
    prepare: Callable[[str], Text],
    facts: ExerciseFacts,
    team: str,
    answered: int,
    expected: int,
    subjects: Subjects,
    analysed: dict[str, list[Sentence]],
    facts_sheet: FactsSheet,
) -> ConsistencyResult:
    scenario = facts.scenario
    language = scenario.language
    policy = scenario.policy
    replies = sorted(facts.replies_of(team), key=lambda r: (r.published_s, r.reply_id))
    overrides = [o for o in facts.overrides if o.team == team]
    reasons: list[Reason] = []

    coverage, key_points = _coverage(prepare, facts, team, replies, overrides, reasons)

    engagement = (answered / expected) if expected else (1.0 if replies else 0.0)

    # facts sheet and holding statement
    disagreements = 0
    statement = next((r for r in replies if r.kind == "statement"), None)
    for reply in replies:
        if disagreements >= MAX_LISTED:
            reasons.append(Reason(None, "facts", 0.0, say("facts.more", n=MAX_LISTED)))
            break
        after_statement = (
            statement is not None and reply is not statement and reply.published_s > statement.published_s
        )
        for sentence in analysed[reply.reply_id]:
            if not (sentence.claims or sentence.statuses or sentence.stance):
                continue
            whys = [(why, "facts.disagrees_sheet") for why in facts_sheet.disagreements(sentence)]
            if after_statement:
                for other in analysed[statement.reply_id]:
                    whys += [
                        (why, "facts.disagrees_statement")
                        for why in _conflicts(sentence, other, subjects)[:1]
                    ]
            for why, source in whys:
                disagreements += 1
                reasons.append(
                    Reason(
                        reply.inject_id,
                        "facts",
                        -FACT_PENALTY,
                        say(source, where=_where(reply), detail=why),
                        reply_id=reply.reply_id,
                    )
                )
    facts_part = max(0.0, 100 - FACT_PENALTY * disagreements) * engagement

    # contradictions between the team's own replies (the statement is judged as the basis above)
    contradictions = 0
    others = [r for r in replies if r is not statement]
    for listed, ((i, j), why) in enumerate(
        sorted(_contradicting_pairs(others, analysed, subjects, MAX_LISTED, language).items())
    ):
        if listed >= MAX_LISTED:
            reasons.append(
                Reason(
                    None,
                    "contradictions",
                    0.0,
                    say("contradictions.more", n=MAX_LISTED),
                )
            )
            break
        first, second = others[i], others[j]
        contradictions += 1
        reasons.append(
            Reason(
                second.inject_id,
                "contradictions",
                -CONTRADICTION_PENALTY,
                say("contradictions.pair", first=_where(first), second=_where(second), detail=why),
                reply_id=second.reply_id,
            )
        )
    for override in overrides:
        if override.kind == "contradiction":
            contradictions += 1
            reasons.append(
                Reason(
                    None,
                    "contradictions",
                    -CONTRADICTION_PENALTY,
                    say("contradictions.flagged", author=_author(override.author), comment=override.comment),
                    reply_id=override.reply_id,
                )
            )
    contradictions_part = max(0.0, 100 - CONTRADICTION_PENALTY * contradictions) * engagement

    flags = _red_flags(prepare, scenario.inject, replies, language, reasons)
    red_flags_part = max(0.0, 100 - RED_FLAG_PENALTY * flags) * engagement

    tone_part = _tone(prepare, replies, language, reasons) * engagement

    parts = {
        "coverage": round(coverage, 2),
        "facts": round(facts_part, 2),
        "contradictions": round(contradictions_part, 2),
        "red_flags": round(red_flags_part, 2),
        "tone": round(tone_part, 2),
    }
    weights = {
        "coverage": policy.coverage,
        "facts": policy.facts,
        "contradictions": policy.contradictions,
        "red_flags": policy.red_flags,
        "tone": policy.tone,
    }
    score = sum(parts[k] * w for k, w in weights.items()) / sum(weights.values())
    return ConsistencyResult(parts, round(score, 2), key_points, reasons)


def _reply_overlap(
    a: list[Sentence], b: list[Sentence], first: ReplyFact, second: ReplyFact, language: str
) -> int:
    """How much two replies share a subject: answers to the same post count as fully shared;
    otherwise the meaningful words they share, leaving out words too common to tell."""
    if first.inject_id is not None and first.inject_id == second.inject_id:
        return 99
    generic = lexicon.GENERIC[language]
    words_a = {w for s in a for w in s.content if w not in generic}
    words_b = {w for s in b for w in s.content if w not in generic}
    return len(words_a & words_b)


def _where(reply: ReplyFact) -> Phrase:
    at = f"{int(reply.published_s // 60)}m{int(reply.published_s % 60):02d}s"
    if reply.kind == "public":
        return say("where.public", channel=reply.channel, at=at)
    return say(f"where.{reply.kind}", at=at)


def _author(name: str | None) -> str | Phrase:
    return name or say("the_facilitator")


def _coverage(
    prepare: Callable[[str], Text],
    facts: ExerciseFacts,
    team: str,
    replies: list[ReplyFact],
    overrides: Iterable,
    reasons: list[Reason],
) -> tuple[float, dict[str, dict[str, bool]]]:
    scenario = facts.scenario
    required = [
        inject
        for d in facts.deliveries_of(team)
        if (inject := scenario.inject(d.inject_id)) is not None
        and inject.requires_reply
        and inject.key_points
    ]
    total_weight = sum(i.severity for i in required)
    earned = 0.0
    table: dict[str, dict[str, bool]] = {}
    manual = {(o.reply_id, o.key_point): o for o in overrides if o.kind == "key_point"}
    for inject in required:
        own = [r for r in replies if r.inject_id == inject.id]
        share = 100 * inject.severity / total_weight
        met: dict[str, bool] = {}
        for point in inject.key_points:
            quote = None
            for reply in own:
                found = prepare(reply.text).first(point.phrases)
                if found:
                    quote = found.quote
                    break
            decided = [manual[(r.reply_id, point.id)] for r in own if (r.reply_id, point.id) in manual]
            if decided:
                met[point.id] = bool(decided[-1].met)
                verdict = "coverage.marked_met" if decided[-1].met else "coverage.marked_not_met"
                reasons.append(
                    Reason(
                        inject.id,
                        "coverage",
                        0.0,
                        say(
                            verdict,
                            label=point.label,
                            author=_author(decided[-1].author),
                            comment=decided[-1].comment,
                        ),
                    )
                )
            else:
                met[point.id] = quote is not None
            points = share / len(inject.key_points) if met[point.id] else 0.0
            why = (
                say("coverage.said", label=point.label, quote=quote)
                if quote and met[point.id]
                else say("coverage.missed", label=point.label)
            )
            if not own:
                why = say("coverage.never", label=point.label)
            reasons.append(
                Reason(inject.id, "coverage", round(points, 2), why, round(share / len(inject.key_points), 2))
            )
        table[inject.id] = met
        earned += share * sum(met.values()) / len(met)
    return (earned if required else 0.0), table


def _red_flags(
    prepare: Callable[[str], Text],
    find_inject: Callable[[str | None], InjectSpec | None],
    replies: list[ReplyFact],
    language: str,
    reasons: list[Reason],
) -> int:
    count = 0
    generic = [
        ("no-comment", "flag.no_comment", lexicon.NO_COMMENT[language]),
        ("blames-customers", "flag.blames_customers", lexicon.BLAME[language]),
        ("sarcasm", "flag.sarcasm", lexicon.SARCASM[language]),
    ]
    for reply in replies:
        inject: InjectSpec | None = find_inject(reply.inject_id)
        prepared = prepare(reply.text)
        raised: dict[str, Phrase] = {}
        if inject is not None:
            for flag in inject.red_flags:
                found = prepared.first(flag.phrases)
                if found:
                    raised[flag.id] = say("flag.rubric", label=flag.label, quote=found.quote)
        # What the inject's rubric asks for is never a generic red flag: declining to comment on an
        # employee's private life can be the expected answer.
        expected = [m for k in (inject.key_points if inject else ()) if (m := prepared.first(k.phrases))]
        for flag_id, code, phrases in generic:
            found = prepared.first(phrases)
            if found and flag_id not in raised and not any(_overlap(found, m) for m in expected):
                raised[flag_id] = say(code, quote=found.quote)
        if inject is not None and inject.persona_kind == "troll":
            raised["troll"] = say("flag.troll", name=inject.persona_name)
        for why in raised.values():
            count += 1
            reasons.append(
                Reason(
                    reply.inject_id,
                    "red_flags",
                    -RED_FLAG_PENALTY,
                    say("red_flags.raised", where=_where(reply), flag=why),
                    reply_id=reply.reply_id,
                )
            )
    return count


def _overlap(a: Match, b: Match) -> bool:
    return a.start < b.start + len(b.quote.split()) and b.start < a.start + len(a.quote.split())


_GENERIC_GREETINGS = {
    "dear",
    "madame",
    "monsieur",
    "bonjour",
    "hello",
    "hi",
    "cher",
    "chère",
    "mesdames",
    "messieurs",
}


def _tone(
    prepare: Callable[[str], Text], replies: list[ReplyFact], language: str, reasons: list[Reason]
) -> float:
    """Per reply: 60, +20 with empathy, +20 with politeness, +10 when it addresses the person by name,
    −40 when rude or condescending, −20 for form-letter wording, −20 when shouting; 0 to 100."""
    if not replies:
        return 0.0
    scores = []
    for reply in replies:
        prepared = prepare(reply.text)
        score, notes = 60.0, list[Phrase]()
        if prepared.first(lexicon.EMPATHY[language]):
            score += 20
        else:
            notes.append(say("tone.no_empathy"))
        if prepared.first(lexicon.POLITENESS[language]):
            score += 20
        first_word = reply.text.strip().split(",", 1)[0].strip()
        if (
            "," in reply.text[:40]
            and first_word[:1].isupper()
            and len(first_word.split()) <= 2
            and first_word.split()[0].casefold() not in _GENERIC_GREETINGS
        ):
            score += 10  # "Margaret, …": written to a person, not to a ticket
        rude = prepared.first(lexicon.RUDENESS[language])
        if rude:
            score -= 40
            notes.append(say("tone.rude", quote=rude.quote))
        form = prepared.first(lexicon.FORM_LETTER[language])
        if form:
            score -= 20
            notes.append(say("tone.form_letter", quote=form.quote))
        shouting = _shouting(reply.text)
        if shouting:
            score -= 20
            notes.append(say("tone.shouting"))
        score = max(0.0, min(100.0, score))
        scores.append(score)
        if rude or shouting or form:
            reasons.append(
                Reason(
                    reply.inject_id,
                    "tone",
                    round(score, 1),
                    say("tone.notes", where=_where(reply), notes=tuple(notes)),
                    100,
                    reply.reply_id,
                )
            )
    return sum(scores) / len(scores)


def _shouting(text: str) -> bool:
    if text.count("!") >= 3:
        return True
    letters = sum(map(str.isalpha, text))  # map, not a generator: ten thousand replies per report
    return letters >= 12 and sum(map(str.isupper, text)) / letters > 0.6
