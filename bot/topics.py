"""Which knowledge topic (or computation) answers a message, from its intent, its words and the case."""

from __future__ import annotations

import re
from typing import Optional, Sequence, Tuple

from bot.models import Case, Differentiation, Site

# Intents that always mean one topic or computation.
TOPIC_OF_INTENT = {
    "ask_grade": "grade",
    "ask_stage": "stage",
    "ask_workup": "workup",
    "ask_prognosis": "prognosis",
    "ask_molecular": "molecular_classifier",
    "ask_germline": "germline",
    "ask_follow_up": "follow_up",
    "ask_review_process": "editorial",
}

# Shared with answer_tables.QUESTION_CUES: the same words pick the topic and the statements in it.
G3_VS_NEC = r"(\bg3\b|grade (3|iii)\b).{0,60}(\bnecs?\b|carcinoma)|(\bnecs?\b|carcinoma).{0,60}(\bg3\b|grade (3|iii)\b)"
_ENDOSCOPY = r"endoscop|colonoscop|capsule|enteroscop|double.?balloon|\beus\b|\begd\b|gastroscop|bronchoscop|\bogd\b"
# "% of NETs that are cup?": a bare per cent sign asks a share ("ki67 10% of cells" has a number before it)
HOW_COMMON = (r"how (many|common|often|frequent|rare)|proportion|percent|what share|\bshare of|frequen|incidence|"
               r"prevalen|epidemiolog|(^|[^\w.,])%\s*(of\b|\w)")
_WORKUP_WORDS = r"work.?up|next step|what next|what now|plan\b"
PPI_WORDS = r"\bppis?\b|omeprazole|esomeprazole|pantoprazole|lansoprazole|rabeprazole|proton.?pump|\bh2(ra)?s?\b|h2.?(blocker|receptor)"
_ASKS_STAGE = (r"\bwhat(\'?s| is)? (the )?stage\b|\bstage\s*\?|\btnm\b|\bajcc\b|"
               r"\bstage (it|this|the tumou?r)\b|how (would|do|should) (i|we|you) stage")  # not "staging CT"

# An IHC result with a question: "CDX2+, likely primary?" asks where the stain points (the IHC topic);
# "CDX2+, which test next to find it" asks for the next test (the workup). Either intent may come first.
_SITE_IHC_MARKER = r"cdx.?2|ttf.?1|\bisl.?1|islet.?1|pax.?[68]|satb.?2|nkx.?2|pdx.?1"
_ASKS_ORIGIN = (r"where (to look|is (the|it)|would (the|it)|does (it|the)|do (we|i) look|.{0,20}\bfrom\b)|"
                r"likely (primary|site|origin)|(which|what) (primary|site|organ|origin)|site of origin|\borigin\b|"
                r"point(s|ing)? to|suggest|favou?r|\bddx\b|differential")
_ASKS_NEXT_TEST = (r"(which|what) (test|scan|investigation|study|imaging|scope)|next (test|step|investigation|scan)|"
                   r"what (next|now)|work.?up|to (find|locali[sz]e) (it|the primary)|how (to|do (we|i)|can (we|i)) find")


def _site_ihc_question_topic(text: str) -> Optional[str]:
    lowered = text.lower()
    if not re.search(_SITE_IHC_MARKER, lowered):
        return None
    if re.search(_ASKS_NEXT_TEST, lowered):
        return "workup"
    if re.search(_ASKS_ORIGIN, lowered):
        return "ihc_site_of_origin"
    return None


def site_ihc_question_intent(text: str) -> Optional[str]:
    """The question intent of a message that gives a site-of-origin stain and asks where it points or what
    comes next ("NET of unknown primary, CDX2+ — which test next to find it"), for when the classifier
    is unsure; None for anything else."""
    topic = _site_ihc_question_topic(text)
    return {"workup": "ask_workup", "ihc_site_of_origin": "ask_ihc"}.get(topic or "")


_UNKNOWN_PRIMARY_WORDS = r"\bcup\b|unknown primary|occult primary|no (known )?primary|primary (is )?(unknown|not found)"


def how_common_question_intent(text: str) -> Optional[str]:
    """'% of NETs that are cup?': how common an unknown primary is (the NET-CUP definition answer), for when
    the classifier is unsure; None for anything else."""
    lowered = text.lower()
    if re.search(HOW_COMMON, lowered) and re.search(_UNKNOWN_PRIMARY_WORDS, lowered):
        return "ask_definition"
    return None


# Intents whose topic depends on the words used: (pattern, topic) in order, then a default.
KeywordTable = Tuple[Sequence[Tuple[str, str]], str]
TOPIC_BY_KEYWORDS: dict[str, KeywordTable] = {
    "ask_imaging": (
        [
            (r"\bfdg\b|fluorodeoxy|glucose pet|netpet|dual.?tracer", "fdg_pet"),
            (r"octreo|\bsrs\b|scintigra|pentetreotide|111.?in|spect", "srs_octreoscan"),
            (r"sstr|dota|gallium|ga.?68|68.?ga|cu.?64|64.?cu|netspot|detectnet|somatostatin receptor|\bpet\b", "sstr_pet"),
            (r"\bct\b|\bmri\b|cross.?sectional|multi.?phas|contrast|scan", "imaging_cross_sectional"),
        ],
        "sstr_pet",
    ),
    "ask_labs": (
        [
            (r"5.?hiaa|hiaa|urin|serotonin|hydroxyindole", "labs_5hiaa"),
            (r"insulin|gastrin|glucagon|\bvip|hormone|acth|cortisol|somatostatin|c.?peptide|pthrp|calcitonin", "labs_hormones"),
            (r"chromogranin|\bcga\b|\bppi\b|proton|omeprazole|pantoprazole|nse\b", "labs_cga"),
        ],
        "labs_cga",
    ),
    "ask_ihc": (
        [
            (r"synaptophysin|insm1|confirm.*neuroendocrine|differentiation marker", "ihc_differentiation"),
        ],
        "ihc_site_of_origin",
    ),
    "ask_definition": (
        [
            (r"minen|manec|mixed", "definitions"),
            (r"\bnec\b|carcinoma|differentiat|\bvs\.?\b|versus|difference", "definitions"),
            (r"ki.?67|mitos|grade|grading", "grading_gep"),
            (r"cup|unknown primary|occult|no primary", "net_cup"),
        ],
        "net_cup",
    ),
    "ask_surgery": (
        [(r"debulk|cytoreduc|hepatectom|liver resection|resect.*liver|metastasectomy", "surgery_debulking")],
        "surgery_exploration",
    ),
    "ask_treatment": (
        [
            # "is NET G3 treated like NEC?" compares the two: the NET G3 answer says how they differ
            (G3_VS_NEC, "treatment_net_g3"),
            (r"platin|etoposide|irinotecan|folfiri|\bnec\b|small.?cell|large.?cell|poorly", "treatment_nec"),
            (r"\bg3\b|grade 3", "treatment_net_g3"),
        ],
        "treatment_well_differentiated",
    ),
}


def topic_for(intent: str, text: str, case: Optional[Case] = None) -> Optional[str]:
    """The knowledge topic or computation ('grade', 'stage', 'workup') for a question, or None."""
    if intent in ("ask_workup", "ask_ihc") and not re.search(_ASKS_STAGE, text.lower()):
        by_ihc = _site_ihc_question_topic(text)
        if by_ihc:
            return by_ihc
    if intent == "ask_workup":
        return _workup_topic(text)
    if intent in TOPIC_OF_INTENT:
        return TOPIC_OF_INTENT[intent]
    if intent == "ask_treatment" and case is not None:
        # the computed case decides the treatment family unless the words name one
        topic = _by_keywords(intent, text)
        high_grade = (case.ki67_percent is not None and case.ki67_percent > 20) or (
            case.mitoses is not None and case.mitoses > 20 and case.site not in (Site.lung, Site.thymus))
        if topic == "treatment_nec" and case.differentiation == Differentiation.well and high_grade:
            return "treatment_net_g3"  # "well diff NET G3 ... is it like NEC?" asks about the NET G3
        if topic == "treatment_well_differentiated":
            if case.differentiation == Differentiation.poorly:
                return "treatment_nec"
            if high_grade:
                # a G3 index: the SSA/PRRT answer for G1/G2 does not fit; with morphology not stated
                # the NET G3 answer says how NET G3 and NEC differ, which is what decides the treatment
                return "treatment_net_g3"
        return topic
    if intent in TOPIC_BY_KEYWORDS:
        return _by_keywords(intent, text)
    return None


def _by_keywords(intent: str, text: str) -> str:
    patterns, default = TOPIC_BY_KEYWORDS[intent]
    lowered = text.lower()
    for pattern, topic in patterns:
        if re.search(pattern, lowered):
            return topic
    return default


def lab_question_topic(text: str) -> Optional[str]:
    """The lab topic of a message that asks about a lab value rather than the whole workup, else None:
    "on omeprazole, CgA 5x ULN - stop ppi? how long?", "VIPoma - what level is diagnostic?"."""
    lowered = text.lower()
    if re.search(r"chromogranin|\bcga\b", lowered) and re.search(PPI_WORDS, lowered):
        return "labs_cga"
    if re.search(r"\blevels?\b|\blabs?\b|\bbloods?\b|\bassay|cut.?off", lowered) and not re.search(_WORKUP_WORDS, lowered):
        return _by_keywords("ask_labs", text)
    return None


def _workup_topic(text: str) -> str:
    """A workup question that explicitly asks for the stage gets the stage; one only about endoscopy, or
    about how common NET-CUP is, gets that topic; any other (or one that also asks for the workup plan)
    gets the computed workup."""
    lowered = text.lower()
    if re.search(_ASKS_STAGE, lowered):
        return "stage"  # "... despite workup, what stage?": the question asked is the stage
    lab = lab_question_topic(text)
    if lab:
        return lab
    if re.search(_WORKUP_WORDS, lowered):
        return "workup"
    if re.search(_ENDOSCOPY, lowered):
        return "endoscopy"
    if re.search(HOW_COMMON, lowered) and not re.search(r"\b(find|found|locali[sz]|detect)", lowered):
        return "net_cup"
    return "workup"


# A vignette often asks several things at once ("grade, stage and what next?"): the words of each
# question, in the order the answers are given (computed results first). "grade 3" and "stage IIIB"
# are values, not questions; "staging CT" is a test.
ASKED_WORDS: Tuple[Tuple[str, str], ...] = (
    ("grade", r"\bgrad(e|ing)\b(?!\s*(1|2|3|i{1,3})\b)|typical or atypical|\ba?typical\s*\?|\bdx\s*\?|\bclassif|"
              r"\b(tc|ac)\s*(or|vs\.?|/)\s*(tc|ac)\b|"
              r"what is (it|this)\s*\?"),
    ("stage", r"\bstage\b(?!\s*(i{1,3}|iv|[1-4])[abc]?\b)|\bstaging\s*\?|\btnm\b|\bajcc\b"
              # "T, N and what next?", "what's the T?", "T category?": the letters asked for
              r"|(?<![\w'])p?[tnm]\s*(,|/|&|and)\s*p?[tnm](?![\w'])|\bwhat(\'s| is)? (the )?p?[tnm]( category| stage)?\s*(\?|$)"
              r"|(?<![\w'])p?[tnm] (category|stage)\b"),
    # "despite workup", "after a full work-up" report what was done; they do not ask for it
    ("workup", r"next steps?|what next|what now|\bplan\s*\?|"
               r"(?<!despite )(?<!after )(?<!despite a )(?<!after a )(?<!full )(?<!complete )(?<!extensive )"
               r"(?<!negative )\bwork.?up\b"),
    ("treatment", r"\btx\b|\btreat|therap|\bmanag|first.?line|\boptions?\b|chemo|adjuvant"),
    ("ihc_site_of_origin", ""),  # a stain with "likely primary?": see _site_ihc_question_topic
    ("labs", r"(\bnse\b|chromogranin|\bcga\b|5.?hiaa)[^.?]{0,40}(\?|meaning|useful|signific|interpret|reliab|marker)"),
    ("prognosis", r"prognos|surviv|outlook|life expectancy|\b(median\s+)?os\b|\b(5|five|10|ten)[\s-]*(yr|year)s?\b"),
    ("follow_up", r"follow.?up|\bf/u\b|surveillance"),
)


_SURVIVAL_AS_OUTCOME = r"(improv|prolong|benefit|help|extend|increas|better)\w*\s+(the\s+)?(overall\s+)?surviv|survival benefit"


def asked_topics(text: str, case: Case) -> list:
    """Every topic the words of a message ask for, in answer order (grade, stage, then the rest)."""
    lowered = (text or "").lower()
    topics = []
    for kind, pattern in ASKED_WORDS:
        if pattern and not re.search(pattern, lowered):
            continue
        if kind == "prognosis" and re.search(_SURVIVAL_AS_OUTCOME, lowered):
            continue  # "does debulking improve survival?" asks about the debulking
        if kind == "treatment":
            topics.append(topic_for("ask_treatment", text, case))
        elif kind == "ihc_site_of_origin":
            if _site_ihc_question_topic(text) == "ihc_site_of_origin":
                topics.append(kind)
        elif kind == "labs":
            topics.append(topic_for("ask_labs", text, case))
        else:
            topics.append(kind)
    return topics
