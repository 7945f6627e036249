"""Clinical entity extractor: a blank English spaCy pipeline plus rule finders.

    extractor = ClinicalEntityExtractor()          # build once per process (about 0.5 s)
    extractor.extract("pNET 2.4 cm, node neg, ki-67 2 %")
    -> [{"entity": "site", "value": "pancreas", ...}, {"entity": "tumour_size", "value": "2.4", ...}, ...]

How a message is read:
  1. text.normalise maps unicode dashes, "²", "µ", odd spaces to ASCII (same length), and
     spelling.correct_typos reads typos of clinical words as the word ("mitosees", "lymph nods"),
     keeping the original offset of every character.
  2. numbers.FINDERS and concepts.FINDERS yield Candidates from regular expressions built
     from vocabulary.py.
  3. Overlaps are resolved by priority: numbers, tests, IHC, metastases, nodes, invasion,
     syndromes, differentiation, necrosis, sites, audience ("lung mets" is no site).
  4. medspaCy ConText (default rules + vocabulary.CONTEXT_RULES; commas, semicolons and
     dashes end a scope) marks negated and uncertain phrases: negated metastases become
     no_metastasis, negated necrosis "absent", negated nodal disease "negative"; negated or
     uncertain sites, differentiation, invasion and syndromes are dropped. Historical,
     hypothetical and family modifiers are ignored ("my mother has liver mets" keeps them).
     Uncertain syndromes are kept ("suspected insulinoma": the question is about it); a
     comparison or definition ("NET G3 vs NEC", "different from NEC", "define well diff")
     sets no differentiation or site.
  5. Conflicts: contradictory differentiation, necrosis or nodes -> none of them; several
     invasion depths -> the deepest; "typical carcinoid" gives lung only if no other site;
     a request for a wording ("in lay terms") beats who is asking ("I'm an oncologist").
     Several Ki-67 values ("15 vs 5", "5% on biopsy, 15% on resection") are all kept: the
     consumer must show them and say which one it used.

Values that go beyond the shared entity table (documented for the consumers):
  - no_metastasis "any": "no distant metastases", "no evidence of metastases", "M0",
    "non-metastatic" (no site named) -> map to an empty list of metastatic sites.
  - metastasis from M1a/M1b/M1c: liver / other / liver + other.
  - ki67 and mitoses may carry a comparator prefix "<", ">", "<=", ">=" ("<1", "<2/2mm2").
  - mitoses without a stated unit are the bare count ("3"); the consumer assumes per 2 mm2
    and should say so. "no mitoses" is "0/2mm2".
  - no_metastasis "extrahepatic": every distant site but the liver is free.
  - not_assessed necrosis / nodes / metastasis / invasion: the finding was not assessed or not reported
    ("necrosis: n/a", "mets: unknown"); never present, never absent.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Iterable, Optional

from . import vocabulary as V
from .concepts import BLOCKER, named_primary_sites
from .concepts import FINDERS as CONCEPT_FINDERS
from .numbers import FINDERS as NUMBER_FINDERS
from .spelling import correct_typos
from .text import Candidate, join_soft_wraps, normalise

SPAN_GROUP = "clinical"
FIXED_LABEL = "FIXED"  # spans ConText only uses to prune modifiers that sit inside them
_LOG = logging.getLogger(__name__)

Entity = dict[str, Any]


def _quiet_medspacy_logging() -> None:
    """medspaCy pulls in PyRuSH, which logs DEBUG lines through loguru."""
    try:
        from loguru import logger

        for name in ("PyRuSH", "medspacy"):
            logger.disable(name)
    except ImportError:  # loguru is optional for us
        pass


def _spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _fix_medspacy_scope_overlap() -> None:
    """medspaCy 1.3.1's tuple_overlaps misses a span that lies wholly inside the other, so a comma or semicolon
    (a TERMINATE modifier whose scope is the sentence) never ends the scope of a BACKWARD modifier that stops
    short of the sentence start: in "well-differentiated NET; mesoappendix free", "free" negated the
    differentiation too. Replace it with a symmetric overlap test (pinned version: requirements/rasa.txt)."""
    from medspacy.context import context_modifier

    context_modifier.tuple_overlaps = _spans_overlap


def build_nlp() -> Any:
    """spacy.blank('en') + sentencizer + medspaCy ConText. No model download."""
    _quiet_medspacy_logging()
    import spacy
    from medspacy.context import ConText, ConTextRule  # noqa: F401  (registers the factory)

    _fix_medspacy_scope_overlap()

    nlp = spacy.blank("en")
    # a line break ends a sentence too: a pasted report's "Necrosis: Present" must not reach the next line
    from spacy.pipeline.sentencizer import Sentencizer

    # (a blank line is one whitespace token, "\n\n": "staging CT had no mets\n\nSPECIMEN: Distal pancreatectomy" is
    # two sentences, so the "no" does not reach the specimen)
    line_breaks = ["\n" * k + pad for k in range(1, 5) for pad in ("", " ", "  ", "\t")]
    nlp.add_pipe("sentencizer", config={"punct_chars": list(Sentencizer.default_punct_chars) + line_breaks})
    context = nlp.add_pipe(
        "medspacy_context",
        config={
            "rules": "default",
            "input_span_type": "group",
            "span_group_name": SPAN_GROUP,
            # a modifier inside a found phrase ("no" in "no primary found") modifies nothing
            "prune_on_target_overlap": True,
            "span_attrs": "default",
        },
    )
    context.add(
        [
            ConTextRule(
                literal,
                category,
                direction=direction,
                max_scope=max_scope,
                allowed_types=set(allowed) if allowed else None,
            )
            for literal, category, direction, max_scope, allowed in V.CONTEXT_RULES
        ]
    )
    return nlp


_COLON_BEFORE_NEGATED_FINDING = re.compile(
    rf":(?=\s*(?:no|nil)\s+(?:(?:evidence\s+of|other|distant|definite)\s+)*{V.NEGATABLE_FINDING_START})", re.IGNORECASE)


_LIST_COMMA = re.compile(r",(?=\s*[\w/-]+(?:\s+[\w/-]+)?\s+(?:or|nor)\s)")


class ClinicalEntityExtractor:
    """Turns a clinician's free text into normalised clinical entities (see module doc)."""

    def __init__(self, nlp: Optional[Any] = None) -> None:
        self.nlp = nlp if nlp is not None else build_nlp()

    # ------------------------------------------------------------------ public
    def extract(self, text: str) -> list[Entity]:
        if not text or not text.strip():
            return []
        # typos of clinical words are read as the word ("mitosees", "lymph nods"); offsets map back to the text
        corrected, origin = correct_typos(normalise(text))
        # "PET: no hepatic or bony mets": a colon before "no" + findings introduces what the test found, not the
        # status "X: no" of the word before it; read it as a clause break (same length, offsets unchanged)
        corrected = _COLON_BEFORE_NEGATED_FINDING.sub(";", corrected)
        # a narrative report pasted with its line wraps ("... No\nnecrosis.", "the serosal\nsurface is free"):
        # a wrap inside a sentence is a space, not a sentence end (same length, offsets unchanged)
        corrected = join_soft_wraps(corrected)
        candidates = self._resolve_overlaps(self._find(corrected))
        in_context = self._apply_context(corrected, candidates)
        # the cell type is read from every poorly differentiated phrase ("poorly diff large cell NEC": the second
        # phrase names it), before the phrases of one value are merged
        judged = self._one_tumour_site(corrected, self._resolve_conflicts(in_context))
        judged += self._nec_subtypes(corrected, in_context)
        judged = self._tumour_called_net(corrected, judged)
        return [self._as_entity(c, text, origin) for c in judged]

    @staticmethod
    def _one_tumour_site(text: str, candidates: list[Candidate]) -> list[Candidate]:
        """One site for the tumour: the first one on a report's labelled site line ("Tumor site: Ampulla of
        Vater"), else the first one named, whatever other organs the text mentions (margins, the specimen).
        A labelled size line is read the same way by numbers.find_tumour_size."""
        sites = sorted((c for c in candidates if c.entity == "site"), key=lambda c: c.start)
        if len({c.value for c in sites}) < 2:
            return candidates
        line = next((m for m in V.LABELLED_LINE.finditer(text) if V.SITE_LABEL.search(m.group("label"))), None)
        on_line = [c for c in sites if line and line.start("value") <= c.start < line.end("value")]
        # "was CUP ... final MDT: primary is the lung": the organ named as the primary wins
        named = named_primary_sites(text)
        keep = ([c for c in sites if c.value in named] or on_line or sites)[0]
        return sorted((c for c in candidates if c.entity != "site" or c is keep), key=lambda c: (c.start, c.entity))

    @staticmethod
    def _tumour_called_net(text: str, candidates: list[Candidate]) -> list[Candidate]:
        """One "the tumour is called a NET" reading: from the name alone, or from a site or differentiation
        phrase that holds it ("pNET", "lung carcinoid", "WD NET"); none when the text also calls it a carcinoma
        (a NEC, "poorly differentiated"), which is a different family."""
        names = [c for c in candidates if c.entity == "tumour_name"]
        rest = [c for c in candidates if c.entity != "tumour_name"]
        if any(c.entity == "differentiation" and c.value == "poorly" for c in rest):
            return rest
        if not names:
            names = [Candidate("tumour_name", "net", c.start, c.end, c.priority) for c in rest
                     if c.entity in ("site", "differentiation") and re.search(V.SITE_PHRASE_CALLS_NET, text[c.start:c.end])][:1]
        return rest + names[:1]

    @staticmethod
    def _nec_subtypes(text: str, candidates: list[Candidate]) -> list[Candidate]:
        """The cell type named inside a poorly differentiated phrase ("small cell NEC", "LCNEC"), kept."""
        out = []
        for cand in candidates:
            if cand.entity == "differentiation" and cand.value == "poorly":
                phrase = text[cand.start:cand.end]
                subtype = next((value for pattern, value in V.NEC_SUBTYPE_TERMS if re.search(pattern, phrase, re.I)), None)
                if subtype:
                    out.append(Candidate("nec_subtype", subtype, cand.start, cand.end, cand.priority))
        # one cell type, named once; two different ones contradict each other and neither is kept
        return sorted(out, key=lambda c: c.start)[:1] if len({c.value for c in out}) == 1 else []

    # ------------------------------------------------------------------ steps
    @staticmethod
    def _find(text: str) -> list[Candidate]:
        found: list[Candidate] = []
        for finder in (*NUMBER_FINDERS, *CONCEPT_FINDERS):
            found.extend(finder(text))
        return list(dict.fromkeys(found))  # exact duplicates (e.g. "N1 M0" read twice)

    @staticmethod
    def _resolve_overlaps(candidates: Iterable[Candidate]) -> list[Candidate]:
        """Higher priority first; a candidate whose phrase overlaps a kept phrase is dropped,
        except candidates read from the very same phrase ("liver and bone mets")."""
        kept: list[Candidate] = []
        order = sorted(candidates, key=lambda c: (c.priority, -(c.context_span[1] - c.context_span[0]), c.start))
        for cand in order:
            s, e = cand.context_span
            clash = any(
                s < k.context_span[1] and k.context_span[0] < e and (s, e) != k.context_span
                # a test named without an outcome only hides the words inside it ("MRI pancreas")
                and (k.entity != BLOCKER or k.context_span[0] <= s and e <= k.context_span[1])
                # "staging CT negative", "CT CAP clear": the test's outcome and the M0 it states are both read
                and {cand.entity, k.entity} != {"test_result", "no_metastasis"}
                # "confined to pancreas": the depth and the tumour's own organ are both read from the phrase
                # ("invades duodenum" names another organ, not the site)
                and not ({cand.entity, k.entity} == {"invasion", "site"} and "confined" in (cand.value, k.value))
                for k in kept
            )
            if not clash:
                kept.append(cand)
        return kept

    def _apply_context(self, text: str, candidates: list[Candidate]) -> list[Candidate]:
        # "no invasion of duodenum, CBD or adjacent organs": a comma inside a short list closed by "or" joins the
        # list, so a negation before it reaches every item (same length, offsets unchanged)
        doc = self.nlp.make_doc(_LIST_COMMA.sub(" ", text))
        for name, proc in self.nlp.pipeline:
            if name == "medspacy_context":
                break
            doc = proc(doc)
        spans, span_of = [], {}
        for cand in candidates:
            key = (cand.context_span, cand.label or FIXED_LABEL)
            if key in span_of:
                continue
            span = doc.char_span(*cand.context_span, label=key[1], alignment_mode="expand")
            if span is not None:
                span_of[key] = span
                spans.append(span)
        for cand in candidates:
            if cand.shield is not None and (cand.shield, FIXED_LABEL) not in span_of:
                span = doc.char_span(*cand.shield, label=FIXED_LABEL, alignment_mode="expand")
                if span is not None:
                    span_of[(cand.shield, FIXED_LABEL)] = span
                    spans.append(span)
        doc.spans[SPAN_GROUP] = spans
        doc = self.nlp.get_pipe("medspacy_context")(doc)

        judged: list[Candidate] = []
        for cand in candidates:
            if cand.entity == BLOCKER:
                continue
            if cand.context == "fixed":
                judged.append(cand)
                continue
            span = span_of.get((cand.context_span, cand.label or FIXED_LABEL))
            negated = bool(span is not None and span._.is_negated)
            uncertain = bool(span is not None and span._.is_uncertain) or text[: cand.context_span[0]].endswith("?")
            finding = V.NOT_ASSESSED_FINDING_OF_LABEL.get(cand.label)
            if uncertain and finding and span is not None and any(
                    modifier.rule.literal.lower() in V.NOT_ASSESSED_LITERALS for modifier in span._.modifiers):
                # "necrosis: n/a", "nodes not assessed": the finding's status is "not assessed", said as such
                judged.append(Candidate("not_assessed", finding, cand.start, cand.end, cand.priority))
                continue
            kept = self._judge(cand, negated, uncertain and cand.label not in V.KEPT_WHEN_UNCERTAIN)
            if kept is not None:
                judged.append(kept)
        return judged

    @staticmethod
    def _judge(cand: Candidate, negated: bool, uncertain: bool) -> Optional[Candidate]:
        if uncertain:
            return None
        if cand.context == "drop":
            return None if negated else cand
        if cand.context == "flip":
            if not negated:
                return cand
            return Candidate(cand.negated_entity, cand.negated_value, cand.start, cand.end, cand.priority)
        if cand.context == "negonly":
            return Candidate(cand.negated_entity, cand.negated_value, cand.start, cand.end, cand.priority) if negated else None
        return cand

    @staticmethod
    def _resolve_conflicts(candidates: list[Candidate]) -> list[Candidate]:
        by_entity: dict[str, list[Candidate]] = {}
        for cand in candidates:
            by_entity.setdefault(cand.entity, []).append(cand)
        out: list[Candidate] = []
        for entity, cands in by_entity.items():
            values = {c.value for c in cands}
            if entity in ("differentiation", "necrosis", "nodes") and len(values) > 1:
                _LOG.debug("dropping contradictory %s values %s", entity, values)
                continue
            if entity == "invasion":
                deepest = max(values, key=V.INVASION_ORDER.index)
                cands = [c for c in cands if c.value == deepest]
            if entity in ("site", "audience"):
                strong = [c for c in cands if not c.weak]
                cands = strong or cands
            if entity == "metastasis" and values - {"liver", "other"}:
                cands = [c for c in cands if not c.weak]  # "M1c, liver and bone" -> liver, bone
            seen: set[str] = set()
            for cand in sorted(cands, key=lambda c: c.start):
                if cand.value not in seen:
                    seen.add(cand.value)
                    out.append(cand)
        # A site both affirmed and negated ("liver mets, no new liver lesions") stays affirmed;
        # "no other metastases" next to an affirmed site must not read as "no metastases at all".
        affirmed = {c.value for c in out if c.entity == "metastasis"}
        out = [
            c for c in out
            if not (c.entity == "no_metastasis" and (c.value in affirmed or (affirmed and c.value == V.NO_METASTASIS_ANY)))
        ]
        cleared = [c for c in out if c.entity == "no_metastasis"]
        if not affirmed and V.ORGANS_CLEARED_FOR_M0 <= {c.value for c in cleared} \
                and V.NO_METASTASIS_ANY not in {c.value for c in cleared}:
            # a staging report that clears the liver and the lungs organ by organ ("Liver: normal. Chest: no
            # pulmonary nodules.") and names no involved organ found no distant metastasis
            first, last = min(c.start for c in cleared), max(c.end for c in cleared)
            out.append(Candidate("no_metastasis", V.NO_METASTASIS_ANY, first, last, cleared[0].priority))
        return sorted(out, key=lambda c: (c.start, c.entity))

    @staticmethod
    def _as_entity(cand: Candidate, text: str, origin: list[int]) -> Entity:
        start = origin[cand.start]
        end = origin[cand.end - 1] + 1 if cand.end > cand.start else start
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return {"entity": cand.entity, "value": cand.value, "start": start, "end": end, "confidence": 1.0}


_SHARED: Optional[ClinicalEntityExtractor] = None
_SHARED_LOCK = threading.Lock()


def shared_extractor() -> ClinicalEntityExtractor:
    """The process-wide extractor: the spaCy pipeline is built once, on first use."""
    global _SHARED
    if _SHARED is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = ClinicalEntityExtractor()
    return _SHARED
