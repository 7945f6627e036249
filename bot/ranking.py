"""Rank knowledge statements against a question, across the whole knowledge base (BM25, rank_bm25).

    ranked = rank_statements("does omeprazole affect chromogranin?")  # [(statement id, score), ...] best first
    ranked = rank_statements("...", topic="labs_cga")                  # only the statements of one topic

Each statement is indexed by its text, its "answers questions like" phrasings (`asks`) and the words of its
topics. Words are lower-cased, mapped through knowledge/synonyms.yml (each group read as its first entry),
stripped of common endings and of stop words. Topics are one signal among the words, not a gate: the caller
decides whether a question's best statements come from the topic it was routed to (see `best_topic`).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import yaml
from rank_bm25 import BM25Okapi

from bot.knowledge import CaseContext, KnowledgeBase, load_knowledge
from bot.topic_registry import load_registry

SYNONYMS_FILE = "synonyms.yml"
# Scores below this are not an answer (BM25 over ~170 short statements; a question sharing one rare word
# with a statement scores about 3-5, an on-topic question 8 and more).
MIN_SCORE = 4.0
MIN_SHARED_WORDS = 2
RARE_WORD_STATEMENTS = 3  # a word in at most this many statements may match on its own
ROUTE_SCORE = 6.0  # a message the classifier could not place is answered from a topic this well matched
STOP_WORDS = frozenset("""
a an and are as at be been but by can could did do does doing done for from had has have how i if in into is it its
me my of on or our should so than that the their them then there these they this those to was we were what when where
which who whom why will with would you your any about after before also other such very just only please pt patient
tell know need needs get got give us am yes no not ok okay vs versus
""".split())
_ENDINGS = ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s")


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


class _Synonyms:
    def __init__(self, groups: Sequence[Sequence[str]]):
        self.phrases: List[Tuple[re.Pattern, str]] = []
        for group in groups:
            canonical = group[0].replace(" ", "_")
            for entry in sorted(group, key=len, reverse=True):
                self.phrases.append((re.compile(rf"(?<![\w-]){re.escape(entry)}(?![\w-])"), canonical))
        self.phrases.sort(key=lambda item: len(item[0].pattern), reverse=True)

    def apply(self, text: str) -> str:
        for pattern, canonical in self.phrases:
            text = pattern.sub(f" {canonical} ", text)
        return text


@lru_cache(maxsize=8)
def _known_names(root: str, groups: Optional[Tuple[str, ...]] = None) -> frozenset:
    """Trial, marker, tracer and drug names (knowledge/known_names.yml, not its everyday words), as keys;
    `groups` picks some of its groups (e.g. ("trials",))."""
    path = Path(root) / "known_names.yml"
    if not path.exists():
        return frozenset()
    names = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("names", {})
    keys = set()
    for group, values in names.items():
        if group != "common_words" and (groups is None or group in groups):
            keys.update(re.sub(r"[^a-z0-9]", "", str(v).lower()) for v in values)
    return frozenset(keys)


@lru_cache(maxsize=4)
def _synonyms(root: str) -> _Synonyms:
    path = Path(root) / SYNONYMS_FILE
    groups = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("groups", []) if path.exists() else []
    return _Synonyms(groups)


# "NETTER-1", "netter 1", "radiant 4" -> "netter1" (not "pNET 2.0cm" or "stage 4 cm")
_NAME_NUMBER = re.compile(r"\b([a-z]{3,})[\s-](\d{1,2})\b(?![.,]\d|\s*(?:cm|mm|%))")


# Where one question of a message ends and the next begins: a question mark, a sentence end, or ", and" / " and"
# before a question word ("detection rate? does it change mgmt", "... primary, and how often did it change ...")
_QUESTION_PART_END = re.compile(
    r"\?+|(?<=[a-z)])\.\s+|[,;]?\s+(?:and|also|plus)\s+(?=(?:what|which|how|when|where|who|why|is|are|does|do|did"
    r"|should|can|could|would|will|was|were)\b)", re.IGNORECASE)


def tokens(text: str, root: str) -> List[str]:
    lowered = _synonyms(root).apply(_NAME_NUMBER.sub(r"\1\2", (text or "").lower()))
    words = re.findall(r"[a-z0-9][a-z0-9_\-/]*", lowered)
    return [_stem(w) for w in words if w not in STOP_WORDS and len(w) > 1]


# "De Dosso S, Treglia G, ..." -> "Dosso"; an organisation as author ("NCCN") names no person
_FIRST_AUTHOR = re.compile(r"^\s*(?:[A-Za-z'-]+\s+)*?([A-Z][A-Za-z'-]{2,})\s+[A-Z]{1,3}\b")


def first_author_surname(source) -> Optional[str]:
    """The last word of the first author's surname of a source, when the first author is a person."""
    if source is None or not source.authors:
        return None
    match = _FIRST_AUTHOR.match(source.authors.split(",")[0])
    return match.group(1) if match else None


class StatementIndex:
    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.ids = [s.id for s in kb.statements if not s.is_rejected]
        self.topics = {s.id: list(s.topics) for s in kb.statements}
        self.applies_to = {s.id: s.applies_to for s in kb.statements}
        # topics written for one site or syndrome (knowledge/topics.yml `about`: small_pnet, gastric_net, ...)
        self.site_topics = {t.id: t.about for t in load_registry().topics if t.about is not None}
        documents = []
        authors = set()
        for statement in kb.statements:
            if statement.is_rejected:
                continue
            # the first author of each source it cites: "the De Dosso meta-analysis" names its statements
            surnames = [name for name in (first_author_surname(kb.sources.get(sid)) for sid in statement.sources) if name]
            authors.update(re.sub(r"[^a-z0-9]", "", name.lower()) for name in surnames)
            words = " ".join([statement.text, *statement.asks, *statement.asks, *(t.replace("_", " ") for t in statement.topics),
                              *surnames])
            documents.append(tokens(words, kb.root))
        self.words = [set(d) for d in documents]
        self.authors = frozenset(authors)
        self.names = _known_names(kb.root) | self.authors
        # what a question can be about by name (not a body like "WHO" or an abbreviation like "PFS")
        self.subject_names = _known_names(kb.root, ("trials", "markers", "tracers", "drugs"))
        self.trials = _known_names(kb.root, ("trials",))
        self.document_frequency = Counter(word for words in self.words for word in words)
        self.bm25 = BM25Okapi(documents)
        # one turn ranks the same words several times (topic routing, then the answer's statements)
        self._ranked = lru_cache(maxsize=256)(self._rank_all)

    def rank(self, question: str, topic: Optional[str] = None, limit: int = 5,
             context: Optional[CaseContext] = None) -> List[Tuple[str, float]]:
        """The best statements for the question, optionally within a topic and only those that apply to a case
        (a pancreatic statement does not answer a question about a gastric NET), unless the question names
        the trial the statement is about ("NETTER-1 for a pNET?" is answered by NETTER-1's
        statement, whose population sentence says whom it applies to)."""
        kept = [(sid, score) for sid, score, named in self._ranked(question)
                if (topic is None or topic in self.topics[sid])
                and (context is None or named or context.matches(self.applies_to[sid]))]
        return kept[:limit]

    def names_in(self, text: str) -> List[str]:
        """The trial, marker, tracer, drug and first-author names a message mentions ("PAX6", "RADIANT-4",
        "De Dosso"), as written: what a question is about wherever in the message it stands."""
        found = []
        for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9\-]*(?:[\s-]\d{1,2}\b)?", text or ""):
            word = match.group(0)
            key = re.sub(r"[^a-z0-9]", "", word.lower())
            # an author only as a name is written, capitalised ("Hope", "Gut" are words too)
            named = key in self.subject_names or key in self.authors and word[:1].isupper() and not word.isupper()
            if named and any(self.document_frequency.get(k, 0) for k in (key, _stem(key), _stem(word.lower()))):
                found.append(word)
        return found

    def named(self, question: str) -> List[str]:
        """Statements about a trial the question names."""
        return [sid for sid, _, named in self._ranked(question) if named]

    def _rank_all(self, question: str) -> Tuple[Tuple[str, float, bool], ...]:
        """Every statement that answers the question's words (above MIN_SCORE), best first."""
        query = tokens(question, self.kb.root)
        if not query:
            return ()
        scores = self.bm25.get_scores(query)
        # one shared word is not an answer ("surgery or surveillance?" vs a follow-up schedule): a statement
        # must share at least two of the question's words (or its only word)
        needed = min(MIN_SHARED_WORDS, len(set(query)))
        # ... or one rare word: a trial, stain or drug name found in only a few statements ("netter1")
        rare = {w for w in set(query) if 0 < self.document_frequency.get(w, 0) <= RARE_WORD_STATEMENTS
                and (any(c.isdigit() for c in w) or re.sub(r"[^a-z0-9]", "", w) in self.names)}
        # a trial the question names: its statements answer whatever the case (their population is in them),
        # and the name alone makes a statement a candidate however many statements name the trial
        trials = {w for w in set(query) if re.sub(r"[^a-z0-9]", "", w) in self.trials}
        rare |= trials
        ranked = sorted(((sid, float(score), bool(words & trials))
                         for sid, score, words in zip(self.ids, scores, self.words)
                         if len(words & set(query)) >= needed or words & rare),
                        key=lambda item: -item[1])
        return tuple((sid, round(score, 2), named) for sid, score, named in ranked if score >= MIN_SCORE)


@lru_cache(maxsize=4)
def _index(kb_key: str) -> StatementIndex:
    return StatementIndex(load_knowledge(Path(kb_key) if kb_key else None))


def statement_index(kb: Optional[KnowledgeBase] = None) -> StatementIndex:
    return _index(kb.root if kb is not None else "")


def named_statements(question: str, kb: Optional[KnowledgeBase] = None) -> List[str]:
    """The statements about a trial the question names (bot/ranking.StatementIndex.named)."""
    return statement_index(kb).named(question)


def question_parts(text: str, kb: Optional[KnowledgeBase] = None) -> List[str]:
    """The separate questions of a message ("pooled detection rate? does it change mgmt" -> two), each with at
    least two words that rank; a message asking one thing gives one part."""
    root = statement_index(kb).kb.root
    parts = [part.strip() for part in _QUESTION_PART_END.split(text or "")]
    return [part for part in parts if len(set(tokens(part, root))) >= 2]


def rank_statements(question: str, topic: Optional[str] = None, kb: Optional[KnowledgeBase] = None,
                    limit: int = 5, context: Optional[CaseContext] = None) -> List[Tuple[str, float]]:
    """The statements that best answer a question (above MIN_SCORE), best first, optionally within a topic
    and only those that apply to the case of `context`."""
    return statement_index(kb).rank(question, topic, limit, context)


STRONG_SCORE = 8.0  # a statement elsewhere must score at least this to take a question from its routed topic
HIJACK_MARGIN = 1.5  # ... and this many times the best score inside the routed topic


def about_case(about, context: CaseContext) -> bool:
    """Whether a topic written for some sites or syndromes is about this case's site or syndrome."""
    if about is None:
        return False
    site = context.site.value if context.site is not None else None
    syndrome = context.syndrome.value if context.syndrome is not None else None
    return (site is not None and site in about.sites) or (syndrome is not None and syndrome in about.syndromes)


def best_topic(question: str, routed: str, kb: Optional[KnowledgeBase] = None,
               context: Optional[CaseContext] = None) -> str:
    """The topic to answer a knowledge question from: the routed one, unless nothing in it answers the
    question's words while a statement elsewhere (that applies to the case) clearly does (a keyword must not
    hijack the answer)."""
    index = statement_index(kb)
    if not any(routed in t for t in index.topics.values()):
        return routed
    overall = rank_statements(question, kb=kb, limit=1, context=context)
    if not overall:
        return routed
    home = index.topics[overall[0][0]][0]
    if routed in index.topics[overall[0][0]]:
        # the best statement is borrowed into the routed topic from its own: its own topic holds the statements
        # written with it ("type 1 vs type 3 gastric carcinoid?" routed to grading by a word, "MEN1 carrier -
        # when to start surveillance in his kids?" routed to follow-up)
        return home if home != routed and overall[0][1] >= STRONG_SCORE and home in index.site_topics else routed
    in_routed = rank_statements(question, topic=routed, kb=kb, limit=1, context=context)
    routed_score = in_routed[0][1] if in_routed else 0.0
    best_id, best_score = overall[0]
    if best_score >= STRONG_SCORE and best_score >= HIJACK_MARGIN * routed_score:
        return index.topics[best_id][0]
    if in_routed and index.topics[in_routed[0][0]][0] == home != routed and best_score >= STRONG_SCORE \
            and (best_id in index.named(question) or home in index.site_topics):
        # the routed topic answers only with a statement it borrows from the topic that holds the best answer,
        # a topic written for the trial the question names ("grade 3/4 toxicity in NETTER-1?" routed to a
        # treatment topic) or for a site ("type 1 vs type 3 gastric carcinoid?" routed to grading by a word):
        # that topic, written for the question, answers
        return home
    # a topic written for this case's site or syndrome (small pNETs, gastric NET types) whose statements answer
    # the words at least as well as the routed topic takes the question: a general keyword topic does not keep it
    specific = [(sid, score) for sid, score in rank_statements(question, kb=kb, limit=5, context=context)
                if context is not None and about_case(index.site_topics.get(index.topics[sid][0]), context)]
    if specific and specific[0][1] >= STRONG_SCORE and specific[0][1] >= routed_score \
            and routed not in index.topics[specific[0][0]]:
        return index.topics[specific[0][0]][0]
    return routed
