"""Safety-sensitive messages, recognised before anything else: emergencies, requests to invent a reference
or a number, a patient asking to stop or change a medicine, a dose, another cancer, and questions built on
a name NETguide does not know (an invented stain, marker, trial or drug).

    check = safety_check("probably nothing but dad passed out after his octreotide shot")
    check.kind == "emergency"; check.reply starts with the safety answer; check.then_answer is False

The phrasings and the replies are data (knowledge/safety.yml, knowledge/known_names.yml); this module only
applies them. A reply's first sentence is the safety answer; `then_answer` says whether the ordinary answer
may follow it (after a refusal to invent, or after "ask your care team first").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import yaml
from pydantic import BaseModel, ConfigDict

from bot.knowledge import DEFAULT_ROOT

SAFETY_FILE = "safety.yml"
KNOWN_NAMES_FILE = "known_names.yml"


class SafetyKind(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    then_answer: bool
    reply: str
    patterns: List[str]
    needs: List[str] = []
    unless: List[str] = []
    # a match does not count when its own sentence matches one of these ("she fainted last year, is that
    # related?"); another sentence of the message may still describe something happening now
    unless_in_sentence: List[str] = []


class SafetyCheck(BaseModel):
    kind: str
    reply: str
    then_answer: bool
    name: Optional[str] = None  # the unknown name, for invented items


class _Compiled:
    def __init__(self, spec: SafetyKind):
        self.spec = spec
        self.patterns = [re.compile(p, re.IGNORECASE) for p in spec.patterns]
        self.needs = [re.compile(p, re.IGNORECASE) for p in spec.needs]
        self.unless = [re.compile(p, re.IGNORECASE) for p in spec.unless]
        self.unless_in_sentence = [re.compile(p, re.IGNORECASE) for p in spec.unless_in_sentence]

    def matches(self, text: str) -> bool:
        return (any(self._counts(p, text) for p in self.patterns)
                and (not self.needs or any(p.search(text) for p in self.needs))
                and not any(p.search(text) for p in self.unless))

    def _counts(self, pattern: "re.Pattern[str]", text: str) -> bool:
        for m in pattern.finditer(text):
            sentence = text[_sentence_start(text, m.start()):_sentence_end(text, m.end())]
            if not any(u.search(sentence) for u in self.unless_in_sentence):
                return True
        return False


_SENTENCE_BREAK = re.compile(r"[.!?\n]+(?:\s|$)")


def _sentence_start(text: str, at: int) -> int:
    starts = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, at)]
    return starts[-1] if starts else 0


def _sentence_end(text: str, at: int) -> int:
    m = _SENTENCE_BREAK.search(text, at)
    return m.start() if m else len(text)


def _load_kinds(root: Path) -> List[SafetyKind]:
    data = yaml.safe_load((root / SAFETY_FILE).read_text(encoding="utf-8")) or {}
    return [SafetyKind.model_validate(k) for k in data.get("kinds") or []]


@lru_cache(maxsize=4)
def _table(root: str) -> Tuple[Tuple[_Compiled, ...], frozenset, Tuple[Tuple["re.Pattern[str]", frozenset], ...]]:
    return tuple(_Compiled(spec) for spec in _load_kinds(Path(root))), _known_names(Path(root)), _families(Path(root))


def _families(root: Path) -> Tuple[Tuple["re.Pattern[str]", frozenset], ...]:
    """knowledge/known_names.yml `families`: each family's pattern (compiled once, with the table) and the members
    it has (upper case)."""
    data = yaml.safe_load((root / KNOWN_NAMES_FILE).read_text(encoding="utf-8")) or {}
    return tuple((_family_pattern(str(name)), frozenset(str(m).upper() for m in members))
                 for name, members in (data.get("families") or {}).items())


def _family_pattern(family: str) -> "re.Pattern[str]":
    # a letter or Roman member stands apart ("chromogranin D", "neurokinin-Z"; "ckd" is not CK-D), a number may
    # touch the name ("SSTR7"); "type 6 gastric NET": the member may be named before the family
    name = re.escape(family)
    return re.compile(rf"(?<![\w-]){name}(?:[\s-]([A-Z]|[IVX]{{1,4}})|[\s-]?(?:type\s+)?(\d{{1,2}}[A-Z]?))(?![\w-])"
                      rf"|(?<![\w-])type\s+(\d{{1,2}}[A-Z]?)\s+{name}(?![\w-])", re.IGNORECASE)


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def _known_names(root: Path) -> frozenset:
    """Every word of the knowledge base (statements, sources, registries) and every listed name."""
    words = set()
    for path in sorted(root.rglob("*.yml")):
        if path.name == SAFETY_FILE:
            continue
        for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9.\-/&]*", path.read_text(encoding="utf-8")):
            words.add(_key(token))
            words.update(_key(part) for part in re.split(r"[-/.]", token) if part)
    words = {w for w in words if w}
    # a transposition typo of a short known name is that name ("ki76" for "ki67"): its sorted letters are known
    # too (short names only: long invented names could share the letters of a real word)
    return frozenset(words | {"".join(sorted(w)) for w in words if len(w) <= 6})


# ------------------------------------------------------------------------------------------- invented names
# A word looks like a name when it mixes letters and digits ("NEURO-7", "CDX7"), is written in capitals
# ("TIDEMARK"), has a drug-like ending ("lutaplatin"), or stands right before a kind word ("Hartwell stain").
_LETTERS_DIGITS = re.compile(r"(?<![\w-])(?:\d{1,3}[A-Za-z]{1,2}-)?[A-Za-z][A-Za-z]*(?:-[A-Za-z]+)?-?\d+[A-Za-z0-9-]*(?![\w-])"
                             # a number before a capitalised abbreviation ("7-HIAA" beside the real 5-HIAA)
                             r"|(?<![\w-])\d{1,3}-[A-Z]{2,}[A-Z0-9]*(?![\w-])")
# A code beyond the last category its system defines ("NET G4", "AJCC T5", "M2"): too short to be read as a name,
# never a real category. The highest category of each letter; T and M only beside a staging word (a spinal level
# "T5" is real), G anywhere.
HIGHEST_CATEGORY = {"G": 3, "T": 4, "M": 1}
_CODE_BEYOND = re.compile(r"(?<![\w-])[cpy]?(?P<letter>[GTM])(?P<number>[0-9])(?![\w-])")
_STAGING_WORDS = re.compile(r"\b(?:ajcc|uicc|tnm|stag\w*|categor\w*|coded?|classif\w*|pT|pM|cM)\b", re.IGNORECASE)


def code_beyond_range(text: str) -> Optional[Tuple[int, str]]:
    """(offset, code) of the first grading or staging code its system does not have, or None."""
    for m in _CODE_BEYOND.finditer(text):
        letter = m.group("letter")
        if int(m.group("number")) <= HIGHEST_CATEGORY[letter]:
            continue
        if letter == "G" or _STAGING_WORDS.search(text):
            return m.start(), m.group()
    return None
_CAPITALS = re.compile(r"(?<![\w-])[A-Z][A-Z]{3,}(?:-[A-Z0-9]+)*(?![\w-])")
_DRUG_LIKE = re.compile(
    r"(?<![\w-])[a-z]{3,}(?:mab|nib|tinib|platin|otide|lutide|rolimus|limus|ciclib|parib|tecan|taxel|rubicin"
    r"|zolomide|stat|tide)(?![\w-])", re.IGNORECASE)
_KIND_WORDS = (
    (r"trial|study|studies|rct", "trial"),
    (r"stain|staining|immunostain|ihc|antibody|immunohisto\w*", "stain"),
    (r"marker|biomarker|serum|urine|urinary|blood test|level|assay", "marker"),
    (r"tracer|pet|scan|scintigraphy|imaging|radiotracer", "tracer"),
    (r"syndrome|mutation|gene|germline|hereditary", "syndrome"),
    (r"score|scoring|classification|criteria|grade|grading|system|category|staging|nomogram|rule|algorithm|consensus",
     "classification"),
    (r"sign|phenomenon|manoeuvre|maneuver|technique|procedure|operation", "clinical sign or procedure"),
    (r"drug|approved|dose|therapy|treatment|tablets?|injection|mg|regimen|inhibitor", "drug"),
)
_KIND_NOUNS = r"trial|study|stain|staining|immunostain|marker|biomarker|antibody|score|syndrome|tracer|classification|criteria|scale"
# generic kind words name a thing only after a capitalised name ("Brixworth NET Index"; not "stim test")
_GENERIC_KIND_NOUNS = (r"index|protocol|regimen|test|assay|gene|mutation|pet|scan|sign|nomogram|panel|rule|algorithm|antigen"
                       r"|phenomenon|consensus|manoeuvre|maneuver|technique|procedure|operation|receptor|peptide|variant"
                       r"|grade|grading|system|triad|ratio|method|pattern|guidance|guideline|approach|model|formula"
                       r"|subcategory|subtype|subgroup|tier|class|pathway|centres?|centers?|programme|program|network|stage")
# any word right before a kind word ("the tidemark trial", "Hartwell score", "neurix stain") is the thing's name
_NAMED_BEFORE_KIND = re.compile(
    rf"(?<![\w-])([A-Za-z][A-Za-z]{{3,}}(?:-[A-Za-z0-9]+)?)\s+(?:(?:NET|NEN|net|nen)\s+)?(?:{_KIND_NOUNS})s?\b", re.IGNORECASE)
_CAPITALISED_BEFORE_GENERIC_KIND = re.compile(
    # up to two words may stand between ("the Brannigan flush pattern", "Uppsala 5-HIAA/CgA ratio", "Harrow NET-CUP
    # Localisation Index")
    # (words of a name, not of a sentence: "Liverpool are ENETS centres" names nothing)
    rf"(?<![\w-])([A-Z][A-Za-z]{{3,}}(?:-[A-Za-z0-9]+)?)\s+"
    rf"(?:(?!(?i:are|is|was|were|the|an?|of|in|for|and|or|to|with|at|on|has|have|had)\b)[\w/-]{{2,20}}\s+){{0,2}}"
    rf"(?i:(?:net|nen)\s+)?(?i:{_GENERIC_KIND_NOUNS})s?\b")
# "ambesostatin, the new once weekly oral SSA": a name set beside the new thing it is said to be
_NAMED_AS_NEW = re.compile(
    r"(?<![\w-])([A-Za-z][a-z]{5,}(?:-[A-Za-z0-9]+)?),?\s+(?:the|a)\s+(?:new|newer|novel|latest|recent)\s+(?:[\w-]+\s+){0,3}"
    r"(?:ssa|ssas|drug|tki|analogue|analog|inhibitor|tracer|stain|marker|trial|test|agent|tablet|injection)s?\b", re.IGNORECASE)
# a quoted name before a kind word ("the 'Red Card' guidance", "the “Halo” criteria")
_QUOTED_BEFORE_KIND = re.compile(
    rf"['\"“‘]([A-Za-z][A-Za-z0-9 -]{{1,30}}?)['\"”’]\s+(?i:{_KIND_NOUNS}|{_GENERIC_KIND_NOUNS})s?\b")
# a quoted name whose last word is its kind ("the ENETS 2025 'purple pathway'", "the 'Halo score'")
_QUOTED_WITH_KIND = re.compile(
    rf"['\"“‘]([A-Za-z][A-Za-z0-9 -]{{1,30}}?\s(?i:{_KIND_NOUNS}|{_GENERIC_KIND_NOUNS})s?)['\"”’]")
# two unknown words joined by a hyphen read as one name ("kruger-hahn method", "Geneva-Vancouver algorithm")
_HYPHENATED = re.compile(r"(?<![\w-])([A-Za-z]{3,})-([A-Za-z]{3,})(?![\w-])")
# a marker named after its sample ("serum neurovastin", "urinary hydroxytrelamine") or a tracer after its isotope
# ("68Ga-Somaflexin", "18F-fluorovantide")
_NAMED_AFTER_SAMPLE = re.compile(r"\b(?:serum|plasma|urinary|urine|blood|tissue|salivary)\s+([A-Za-z][A-Za-z]{4,}(?:-[A-Za-z0-9]+)?)", re.IGNORECASE)
# a known name with a short code added ("octreotide-Z", "5-HIAA-2"): a variant the sources do not name
_KNOWN_WITH_CODE = re.compile(r"(?<![\w-])([A-Za-z0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*?)-([A-Z]{1,2}|\d{1,2})(?![\w-])")
# an unknown capitalised name asked about as a product ("is Lutacrin available in the UK?", "Somatrelix approved")
_NAMED_AS_PRODUCT = re.compile(
    r"(?<![\w-])([A-Z][a-z]{4,})\s+(?:is\s+|was\s+)?(?:available|approved|licensed|licenced|marketed|prescribed|"
    r"better|safer|effective|funded)\b|\b(?:is|was|are)\s+([A-Z][a-z]{4,})\s+(?:available|approved|licensed|licenced|"
    r"marketed|better|safer|effective|funded)\b")
_ISOTOPE_NAME = re.compile(r"(?:(?<![\w-])\d{1,3}m?[A-Z][a-z]?-|\[\d{1,3}m?[A-Z][a-z]?\]-?\s?)([A-Za-z][A-Za-z]{3,}(?:-[A-Za-z0-9]+)?)")
# an abbreviation the message defines ("gsdi (gastrin secretin delta index)"): the abbreviation is the name
_DEFINED_ABBREVIATION = re.compile(r"(?<![\w-])([A-Za-z]{2,8})\s*\(\s*([A-Za-z][\w-]*(?:\s+[\w-]+){1,6})\s*\)")


def defined_abbreviations(text: str) -> List[Tuple[int, str]]:
    """(offset, abbreviation) of each abbreviation followed by its expansion in brackets, its letters the
    initials of the expansion's words."""
    found = []
    for m in _DEFINED_ABBREVIATION.finditer(text):
        initials = "".join(word[0] for word in re.split(r"[\s-]+", m.group(2)) if word).lower()
        if m.group(1).lower() == initials:
            found.append((m.start(1), m.group(1)))
    return found

# grading and staging codes, sizes, counts and units are never names
_CODE = re.compile(r"^(?:[cpyra]{0,2}(?:T[0-4xX][a-dA-D]?(?:N[0-3xX][a-cA-C]?)?(?:M[01xX][a-cA-C]?)?|N[0-3xX][a-cA-C]?"
                   r"(?:M[01xX][a-cA-C]?)?|M[01xX][a-cA-C]?|G[1-3]|R[0-2]|L[0-1]|V[0-2]|Pn[0-1])"
                   # duodenal parts and spinal levels ("T10, L2 mets"), MEN types, counts, doses
                   r"|D[1-4]|S[1-5]|C[1-7]|T(?:1[0-2]|[1-9])|L[1-5]|MEN[1-4]?|x\d+|q\d+w?|\d+[a-z]*|[A-Za-z]\d)$")


def family_members_unknown(text: str, families: Sequence[Tuple["re.Pattern[str]", frozenset]]) -> List[Tuple[int, str]]:
    """(offset, name) of each member of a known family that the family does not have ("chromogranin D",
    "neurokinin-Z"): the family's name is real, so only its members tell a real marker from an invented one."""
    found = []
    for pattern, members in families:
        for m in pattern.finditer(text):
            if (m.group(1) or m.group(2) or m.group(3)).upper() not in members:
                found.append((m.start(), m.group()))
    return found


def unknown_name(text: str, known: frozenset,
                 families: Sequence[Tuple["re.Pattern[str]", frozenset]] = ()) -> Optional[Tuple[str, str]]:
    """(name, what kind of thing) for the first name-like word the knowledge base does not know."""
    shouting = sum(c.isupper() for c in text) > 0.6 * max(1, sum(c.isalpha() for c in text))
    candidates: List[Tuple[int, str]] = []
    for regex in (_LETTERS_DIGITS, _DRUG_LIKE, *(() if shouting else (_CAPITALS,))):
        candidates += [(m.start(), m.group()) for m in regex.finditer(text)]
    candidates += [(m.start(1), m.group(1)) for m in _NAMED_BEFORE_KIND.finditer(text)]
    candidates += [(m.start(1), m.group(1)) for m in _CAPITALISED_BEFORE_GENERIC_KIND.finditer(text)]
    candidates += [(m.start(1), m.group(1)) for m in _NAMED_AFTER_SAMPLE.finditer(text)]
    candidates += [(m.start(1), m.group(1)) for m in _ISOTOPE_NAME.finditer(text)]
    candidates += defined_abbreviations(text)
    with_code = [(m.start(), m.group()) for m in _KNOWN_WITH_CODE.finditer(text)
                 if _key(m.group(1)) in known and _key(m.group()) not in known and len(_key(m.group(1))) >= 4]
    candidates += with_code
    candidates += [(m.start(1) if m.group(1) else m.start(2), m.group(1) or m.group(2))
                   for m in _NAMED_AS_PRODUCT.finditer(text)]
    candidates += [(m.start(1), m.group(1)) for m in _NAMED_AS_NEW.finditer(text)]
    # a quoted name is one name: known words inside it do not make it known ("the WHO 'NET G1-high' subcategory")
    quoted = [(m.start(1), m.group(1)) for m in _QUOTED_BEFORE_KIND.finditer(text)]
    quoted += [(m.start(1), m.group(1)) for m in _QUOTED_WITH_KIND.finditer(text)]
    candidates += quoted
    whole = set(quoted) | set(with_code)  # names read whole: their known parts do not make them known
    candidates += [(m.start(), m.group()) for m in _HYPHENATED.finditer(text)
                   if _key(m.group(1)) not in known and _key(m.group(2)) not in known]
    beyond = code_beyond_range(text)
    if beyond:
        candidates.append(beyond)
    members = family_members_unknown(text, families)
    candidates += members
    for start, name in sorted(candidates):
        if beyond and (start, name) == beyond:
            return name, "grade" if name.lstrip("cpy").startswith("G") else "staging category"
        if (start, name) in members:
            return name, _kind_of(text, start + len(name))
        bare = re.sub(r"^\d{1,3}m?[A-Za-z]{1,2}-", "", name)  # an isotope prefix: "68Ga-XYZ" -> "XYZ"
        if _CODE.match(name) or len(_key(bare)) < 3 or any(
                key in known or (len(key) <= 6 and "".join(sorted(key)) in known) for key in (_key(name), _key(bare))):
            continue
        parts = [part for part in re.split(r"[- ]", bare) if part]
        # "NETTER-2", "Ga-68", "CA19-9": known words joined; not when a number replaces a known one ("7-HIAA")
        if len(parts) > 1 and all(_key(part) in known for part in parts) and (start, name) not in whole \
                and not any(part.isdigit() and _key(bare) not in known for part in parts):
            continue
        return name, _kind_of(text, start + len(name))
    return None


def _kind_of(text: str, after: int) -> str:
    window = text[after: after + 40].lower() + " " + text[max(0, after - 60): after].lower()
    for pattern, what in _KIND_WORDS:
        if re.search(rf"\b(?:{pattern})\b", window):
            return what
    return "item"


def check_safety_table(root: Path) -> List[str]:
    """Problems of knowledge/safety.yml (schema, patterns that do not compile, missing kinds) and of the
    registries it uses, for `python -m bot kb check`; an empty list when all is well."""
    problems: List[str] = []
    try:
        kinds = _load_kinds(root)
    except (OSError, yaml.YAMLError, ValueError) as error:
        return [f"cannot be read: {error}"]
    for spec in kinds:
        for key in ("patterns", "needs", "unless"):
            for pattern in getattr(spec, key):
                try:
                    re.compile(pattern)
                except re.error as error:
                    problems.append(f"{spec.kind}.{key}: {pattern!r} does not compile ({error})")
    missing = {"emergency", "invent_request", "medication_change", "invented_item"} - {k.kind for k in kinds}
    problems += [f"kind {kind!r} is missing" for kind in sorted(missing)]
    if kinds and kinds[0].kind != "emergency":
        problems.append("the first kind must be 'emergency' (an emergency beats everything)")
    for name in (KNOWN_NAMES_FILE, "synonyms.yml"):
        try:
            yaml.safe_load((root / name).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            problems.append(f"{name} cannot be read: {error}")
    return problems


# ------------------------------------------------------------------------------------------------ the check
def safety_check(text: str, root: Optional[Path] = None) -> Optional[SafetyCheck]:
    """The first safety kind the message is, in the table's order, or None for an ordinary message."""
    if not text or not text.strip():
        return None
    kinds, known, families = _table(str(Path(root or DEFAULT_ROOT).resolve()))
    lowered = " ".join(text.lower().split())
    for compiled in kinds:
        spec = compiled.spec
        if spec.kind == "invented_item":
            found = unknown_name(text, known, families)
            if found:
                name, what = found
                return SafetyCheck(kind=spec.kind, reply=spec.reply.format(name=name, what=what),
                                   then_answer=spec.then_answer, name=name)
            continue
        if compiled.matches(lowered):
            return SafetyCheck(kind=spec.kind, reply=spec.reply, then_answer=spec.then_answer)
    return None
