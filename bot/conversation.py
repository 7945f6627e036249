"""One conversation turn, independent of Rasa: state + understood message -> replies + new state.

The Rasa action (actions/actions.py) only reads slots and the parsed message, calls `handle_turn`
and dispatches what it returns. The CLI and the tests call the same function.

The dialogue in one place:
- every question is answered at once with what is known; a grade, stage or workup answer then asks
  for the ONE missing value that would most change or complete it (`state.pending`);
- the next message may answer that question ("18", "no", "not known", a button), give other values,
  correct one ("sorry, Ki-67 was 18"), or ask something else (answered at once; the question lapses);
- "not known" is remembered (`state.unknown_fields`): never asked again, and the answer says what stays
  provisional; "start over" clears the case;
- a what-if is computed on a copy of the case: the recorded case never changes;
- the audience changes wording only and never blocks an answer (clinician by default).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Sequence

from pydantic import BaseModel, Field

from bot.answer_tables import COMPUTED_TOPICS, need_question
from bot.case_update import describe_value, field_label
from bot.knowledge import load_knowledge
from bot.models import CHECKED_STATUSES, Case, CaseNote
from bot.result_wording import CASE_NOTES, note_words
from bot.results import INPUTS, SHARED_INPUTS, describe_result_changes, describe_results, has_inputs, result_codes
from bot.understanding import (
    PAYLOAD,
    Act,
    Request,
    ask_order,
    understand,
)


# --------------------------------------------------------------------------------------------
# Fixed wording (boilerplate: no clinical claim lives here)
# --------------------------------------------------------------------------------------------

CAPABILITIES = (
    "I answer questions about neuroendocrine neoplasms, above all NETs of unknown primary: "
    "WHO grading from Ki-67 and mitoses, AJCC 8 staging, the workup to find the primary (imaging, "
    "laboratory tests, immunohistochemistry, endoscopy, surgery), treatment direction by grade and "
    "differentiation, and prognosis. Every answer cites its sources. Try: "
    "\"Ki-67 12%, 1 mitosis per 2 mm2, what grade?\" or \"liver mets, no primary found, what next?\""
)
COVERED = (
    "I only answer questions about neuroendocrine neoplasms (NETs and NECs): grading, staging, the workup "
    "of an unknown primary, imaging, laboratory tests, immunohistochemistry, treatment direction and prognosis."
)
OUT_OF_SCOPE_DEFAULT = "That is outside what I cover."
# Emergencies, doses, other cancers, requests to invent and invented names: bot/safety.py, before anything else.
# gibberish may be classified as fallback or out of scope: both say what is covered and offer the same buttons
NOTE_UNDER_REVIEW = " (under review)"  # a note whose template is not yet checked against its statements
CLARIFY = "I am not sure what you are asking. " + COVERED + " Did you mean one of these?"
CLARIFY_BUTTONS = [
    {"title": "Grade a tumour", "payload": "How do I grade a NET from Ki-67 and mitoses?"},
    {"title": "Stage a tumour", "payload": "How are NETs of unknown primary staged?"},
    {"title": "Work-up of unknown primary", "payload": "What is the workup for a NET of unknown primary?"},
]
AUDIENCE_QUESTION = "Which best describes you? Your choice changes the wording, never the facts."
AUDIENCE_BUTTONS = [
    {"title": "Clinician", "payload": '/choose_audience{"audience": "clinician"}'},
    {"title": "Patient or caregiver", "payload": '/choose_audience{"audience": "patient"}'},
]
AUDIENCE_SET = {
    "clinician": "Thank you. I will use clinical wording.",
    "patient": "Thank you. I will use plain language.",
}
CLEARED = "Cleared. The case is empty; ask a new question whenever you are ready."
NOTHING_TO_EXPLAIN = (
    "There is no result to explain yet. Give me the values (for example \"Ki-67 12%, 1 mitosis per 2 mm2\") "
    "and ask for the grade, stage or next steps."
)
WHAT_IF_NEEDS_A_VALUE = (
    "Which value should I change? For example: \"what if the Ki-67 were 25%?\" or \"what if there were bone "
    "metastases too?\". The recorded case stays as it is."
)
WHAT_IF_LEAD = "What if: {changes}? Computed on a copy; the recorded case is unchanged."
ACK_AFFIRM = "Good. What would you like to know next?"
ACK_DENY = "All right. What would you like to ask instead?"
ASK_LEAD = "One more value would change or complete this answer: {question}"
ASK_TAIL = " If it was not reported, say \"not known\"."
NOT_KNOWN_NOTE = "Noted: the {label} is not known. The answer uses what is known and stays provisional without it."
NOT_ASSESSED_NOTE = "Noted: the {label} was not assessed. The answer uses what was assessed and does not ask for it again."
NOTED = "Noted: {changes}."
WHAT_NEXT_BUTTONS = [
    {"title": "Grade", "payload": "What is the grade?"},
    {"title": "Stage", "payload": "What is the stage?"},
    {"title": "Next steps", "payload": "What are the next steps in the workup?"},
]
NOT_KNOWN_BUTTON = {"title": "Not known", "payload": "not known"}

# Buttons offered with the question for a missing value. Intent payloads skip the NLU, so a click is
# always understood; "not known" is plain text, recognised while the question is pending.
def _value_button(title: str, entity: str, value: str) -> Dict[str, str]:
    """A button that gives one value, as a /give_values payload with the entity the extractor would emit."""
    return {"title": title, "payload": "/give_values" + json.dumps({entity: value})}


VALUE_BUTTONS: Dict[str, List[Dict[str, str]]] = {
    "site": [
        _value_button("Unknown primary", "site", "unknown"),
        _value_button("Pancreas", "site", "pancreas"),
        _value_button("Small intestine", "site", "jejunum_ileum"),
        _value_button("Lung", "site", "lung"),
    ],
    "differentiation": [
        _value_button("Well differentiated", "differentiation", "well"),
        _value_button("Poorly differentiated", "differentiation", "poorly"),
        NOT_KNOWN_BUTTON,
    ],
    "necrosis": [
        _value_button("Necrosis present", "necrosis", "present"),
        _value_button("No necrosis", "necrosis", "absent"),
        NOT_KNOWN_BUTTON,
    ],
    "nodes_positive": [
        _value_button("Nodes positive", "nodes", "positive"),
        _value_button("Nodes negative", "nodes", "negative"),
        NOT_KNOWN_BUTTON,
    ],
    "metastatic_sites": [
        _value_button("No distant metastases", "no_metastasis", "any"),
        _value_button("Liver metastases", "metastasis", "liver"),
        NOT_KNOWN_BUTTON,
    ],
}

# Depth-of-invasion choices in each chapter's own terms (values of bot.models.Invasion).
INVASION_BUTTONS_BY_SITE: Dict[str, List[Dict[str, str]]] = {
    "pancreas": [
        _value_button("Limited to the pancreas", "invasion", "confined"),
        _value_button("Into duodenum or bile duct", "invasion", "duodenum_or_bile_duct"),
        _value_button("Adjacent organs or large vessels", "invasion", "serosa_or_adjacent_organs"),
    ],
}
INVASION_BUTTONS_GI = [
    _value_button("Mucosa or submucosa only", "invasion", "confined"),
    _value_button("Into the muscularis propria", "invasion", "muscularis_propria"),
    _value_button("Through to the subserosa", "invasion", "subserosa"),
    _value_button("Serosa or other organs", "invasion", "serosa_or_adjacent_organs"),
]


def invasion_buttons(site: Optional[str]) -> List[Dict[str, str]]:
    return INVASION_BUTTONS_BY_SITE.get(site or "", INVASION_BUTTONS_GI) + [NOT_KNOWN_BUTTON]


BACK_TO_RECORDED_LEAD = "Back to the recorded case (the what-if is not kept):"
NO_WORDS_REASKED = (
    "I cannot take a clinical value from an emoji or a symbol alone, so nothing was recorded. "
    "Please answer in words or with a button."
)


class ConversationState(BaseModel):
    case: Case = Field(default_factory=Case)
    audience: str = "clinician"
    last_topic: Optional[str] = None
    pending: Optional[str] = None  # the Case field the previous reply asked for
    unknown_fields: List[str] = Field(default_factory=list)  # the user said these are not known
    # the copy the last turn's what-if computed, while the next turn may build on it ("suppose also 2 nodes
    # positive"); any other turn lets it lapse
    what_if_case: Optional[Case] = None


class Message(BaseModel):
    text: str  # the whole message in the channel's format (an answer in its full form)
    buttons: List[Dict[str, str]] = Field(default_factory=list)
    custom: Optional[Dict[str, Any]] = None  # structured answer (topic, computed result) for channels that want it
    short: Optional[str] = None  # an answer's short form: bottom line, key points, compact references


class TurnResult(BaseModel):
    messages: List[Message]
    state: ConversationState
    topics: List[str] = Field(default_factory=list)
    statement_ids: List[str] = Field(default_factory=list)
    rule_ids: List[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The turn
# --------------------------------------------------------------------------------------------


def handle_turn(
    state: ConversationState,
    intent: str,
    entities: List[Dict[str, Any]],
    text: str,
    channel: str = "markdown",
) -> TurnResult:
    """Answer one user message. Never raises for anything the user can type."""
    return _Turn(state, intent or "nlu_fallback", list(entities or []), text or "", channel).run()


class _Turn:
    """Carries out one understood message (bot/understanding.Request): answers its asks, keeps the state."""

    def __init__(self, state: ConversationState, intent: str, entities: List[Dict[str, Any]], text: str, channel: str):
        self.state = state
        self.intent = intent
        self.entities = [e for e in entities if isinstance(e, dict)]
        self.text = "" if PAYLOAD.match(text) else text  # a button payload carries no words to read
        self.channel = channel
        self.messages: List[Message] = []
        self.topics: List[str] = []
        self.statement_ids: List[str] = []
        self.rule_ids: List[str] = []
        self.missing: Dict[str, List[str]] = {}  # topic answered -> the Case fields its answer still needs
        # answers composed to decide what to answer, handed to answer() instead of composed again
        self.prerendered: Dict[tuple, Dict[str, Any]] = {}

    # --- result ---

    def result(self, pending: Optional[str] = None) -> TurnResult:
        # a question lapses after one turn: the next message either answers it or moves on
        self.state = self.state.model_copy(update={"pending": pending})
        return TurnResult(
            messages=self.messages, state=self.state, topics=self.topics,
            statement_ids=self.statement_ids, rule_ids=self.rule_ids,
        )

    def say(self, text: str, buttons: Optional[List[Dict[str, str]]] = None) -> None:
        self.messages.append(Message(text=text, buttons=list(buttons or [])))

    # --- carrying out the request ---

    def run(self) -> TurnResult:
        request = understand(self.state, self.intent, self.entities, self.text)
        if request.audience:
            self.state = self.state.model_copy(update={"audience": request.audience})
        if request.safety is not None:
            # the safety answer first (its first sentence); the ordinary answer follows only where the table
            # allows it (after a refusal to invent, or after "ask your care team first")
            self.say(request.safety.reply, [] if request.safety.kind == "emergency" else CLARIFY_BUTTONS)
        act = request.act
        if act != Act.what_if and self.state.what_if_case is not None:
            self.state = self.state.model_copy(update={"what_if_case": None})
        if act == Act.safety_only:
            return self.result()
        if act == Act.back_to_recorded:
            self.say(BACK_TO_RECORDED_LEAD)
            self.answer(request.topics, self.state.case)
            return self.result()
        if act == Act.start_over:
            self.state = ConversationState(audience=self.state.audience)
            self.say(CLEARED)
            return self.result()
        if act == Act.capabilities:
            self.say(CAPABILITIES, AUDIENCE_BUTTONS)
            return self.result()
        if act == Act.no_words:
            return self.no_words()
        if act == Act.out_of_scope:
            if request.safety is None:
                self.say(f"{OUT_OF_SCOPE_DEFAULT} {COVERED}", CLARIFY_BUTTONS)
            return self.result()
        if act == Act.choose_audience:
            return self.choose_audience(request)
        if act == Act.explain:
            return self.explain()
        if act == Act.what_if:
            return self.what_if(request)
        if act in (Act.answer, Act.values_noted, Act.clarify) and (
                request.changed or request.problems or request.said_unknown or request.not_assessed):
            self.record(request)
        if act == Act.values_noted:
            self.say(NOTED.format(changes=describe_changes(request.previous, request.case, request.changed)) +
                     " What would you like to know?", WHAT_NEXT_BUTTONS)
            return self.result()
        if act == Act.clarify:
            self.say(CLARIFY, CLARIFY_BUTTONS)
            return self.result()
        if act == Act.answer:
            return self.answer_request(request)
        self.say(SIMPLE_REPLIES[act], AUDIENCE_BUTTONS if act == Act.greet else None)
        return self.result()

    def record(self, request: Request) -> None:
        """The values of the message go into the case; what was read, corrected and changed is said."""
        unknown = list(self.state.unknown_fields)
        for field, note in [(request.said_unknown, NOT_KNOWN_NOTE)] * bool(request.said_unknown) + [
                (f, NOT_ASSESSED_NOTE) for f in request.not_assessed]:
            if field not in unknown:
                unknown.append(field)
                self.say(note.format(label=field_label(field)))
        # a value now given is no longer "not known"
        unknown = [f for f in unknown if f not in request.changed]
        self.state = self.state.model_copy(update={"case": request.case, "unknown_fields": unknown})
        for text in request.problems + note_texts(request.notes):
            self.say(text)
        changes = describe_changes(request.previous, request.case, request.changed, only_corrections=True)
        if changes:
            self.say(NOTED.format(changes=changes))
        self.say_result_changes(request.previous, request.case)

    def say_result_changes(self, previous: Case, case: Case, what_if: bool = False) -> None:
        """An update or a what-if shows at once what it changed in the computed results, and what it left as it
        was: every current result is in the message (text and `custom.computed`), so none has to be looked up."""
        if previous == case or not any(has_inputs(previous, t) for t in ("grade", "stage")):
            return
        before, after = result_codes(previous), result_codes(case)
        changes = describe_result_changes(before, after)
        unchanged = describe_results(after, {f for f, code in after.items() if f in before and before[f] == code})
        if changes:
            text = RESULTS_CHANGED.format(changes=changes) + (RESULTS_KEPT.format(results=unchanged) if unchanged else "")
        elif after and _gave_a_result_value(previous, case):
            # a value a computation reads was given or corrected and no result moved: said, with every result
            # (a site or differentiation read from a question alone, such as a follow-up button, is not news)
            text = RESULTS_UNCHANGED.format(results=describe_results(after))
        else:
            return
        self.messages.append(Message(text=text, custom={"computed": after, "what_if": what_if,
                                                        "results_of": "what_if" if what_if else "update"}))

    def answer_request(self, request: Request) -> TurnResult:
        case = self.state.case
        asks = list(request.asks)
        if not asks:
            return self.result()
        self.answer([a.topic for a in asks], case, optional={a.topic for a in asks if a.optional})
        for topic in request.uninvited:
            self.missing.pop(topic, None)  # the values to ask for are those of what was asked
        if request.continue_topic:
            self.state = self.state.model_copy(update={"last_topic": request.continue_topic})
        if request.ask_order is not None:
            self.missing[asks[0].topic] = list(request.ask_order)
            return self.result(self.ask_missing(order=request.ask_order))
        return self.result(self.ask_missing())

    def abstains(self, topic: str, case: Case) -> bool:
        key = (topic, False, case.model_dump_json())
        if key not in self.prerendered:
            self.prerendered[key] = compose_for_turn(topic, case, self.state.audience, question=self.text)
        return bool(self.prerendered[key]["abstained"])

    def no_words(self) -> TurnResult:
        """Emoji or punctuation only, whatever intent the classifier guessed. With a question pending
        (even a yes/no one: 👍 may mean "yes" or just "seen", and a node status or a metastasis changes
        the stage) the question is asked again and nothing is recorded; otherwise what is covered."""
        pending = self.state.pending
        if pending and pending not in self.state.unknown_fields and getattr(self.state.case, pending, None) is None:
            self.say(NO_WORDS_REASKED)
            return self.result(self.ask_missing(order=(pending,)))
        self.say(CLARIFY, CLARIFY_BUTTONS)
        return self.result()

    def choose_audience(self, request: Request) -> TurnResult:
        if not request.audience:
            self.say(AUDIENCE_QUESTION, AUDIENCE_BUTTONS)
            return self.result()
        intro = AUDIENCE_SET[self.state.audience]
        topic = self.state.last_topic
        if not topic:
            self.say(intro + " What would you like to know?")
            return self.result()
        self.say(intro + " Here is the last answer again in that wording.")
        self.answer([topic], self.state.case)
        return self.result()

    def what_if(self, request: Request) -> TurnResult:
        for text in request.problems + note_texts(request.notes):
            self.say(text)
        if not request.changed:
            if not request.problems:
                self.say(WHAT_IF_NEEDS_A_VALUE)
            return self.result()
        changes = describe_changes(self.state.case, request.case, request.changed, was="recorded")
        self.say(WHAT_IF_LEAD.format(changes=changes))
        self.say_result_changes(self.state.case, request.case, what_if=True)
        # answered on the copy; state.case, last_topic and pending stay as they were before the what-if, and the
        # copy is kept for one turn so that the next what-if may add to it
        last_topic = self.state.last_topic
        self.answer(request.topics, request.case, what_if=True)
        self.state = self.state.model_copy(update={"last_topic": last_topic, "what_if_case": request.case})
        return self.result()

    def explain(self) -> TurnResult:
        topic = self.state.last_topic
        if not topic:
            self.say(NOTHING_TO_EXPLAIN, CLARIFY_BUTTONS)
            return self.result()
        if topic in COMPUTED_TOPICS:
            self.answer([topic], self.state.case, explain=True)
        else:
            # an information answer: the reasons are its statements, shown without the chat cap
            self.answer([topic], self.state.case, uncapped=True)
        return self.result()

    # --- answering ---

    def answer(self, topics: List[str], case: Case, what_if: bool = False, explain: bool = False,
               uncapped: bool = False, optional: Iterable[str] = ()) -> None:
        """Answer every topic asked in ONE message: the composed answers become the parts of one Reply
        (bot.answer.compose_reply), in the order asked (computed results first)."""
        composed: List[Dict[str, Any]] = []
        for topic in topics:
            one = self.prerendered.pop((topic, uncapped, case.model_dump_json()), None) or compose_for_turn(
                topic, case, self.state.audience, uncapped=uncapped, question=self.text)
            if topic in optional and one["abstained"] and not one["not_covered"] \
                    and (composed or topic != topics[-1]):
                continue
            composed.append(one)
            if explain and one["rule_ids"]:
                self.say("Why: the rules applied, in order: " + " → ".join(one["rule_ids"]) + ".")
            self.statement_ids.extend(s for s in one["statement_ids"] if s not in self.statement_ids)
            self.rule_ids.extend(r for r in one["rule_ids"] if r not in self.rule_ids)
            self.topics.append(one["topic"])
            self.missing[one["topic"]] = one["missing"]
        if not composed:
            return
        self.messages.append(reply_message([one["answer"] for one in composed], self.channel, what_if))
        self.state = self.state.model_copy(update={"last_topic": composed[-1]["topic"]})

    def ask_missing(self, order: Optional[Sequence[str]] = None) -> Optional[str]:
        """Ask for the one most useful missing value of the answers just given; returns the field asked."""
        if order is not None:
            field = next(
                (f for f in order if f not in self.state.unknown_fields and getattr(self.state.case, f, None) is None), None
            )
        else:
            field = most_useful_missing(self.missing, self.state.unknown_fields, self.state.case)
        if field is None:
            return None
        site = self.state.case.site.value if self.state.case.site else None
        question = need_question(field, site)
        tail = "" if field == "site" else ASK_TAIL
        buttons = list(invasion_buttons(site) if field == "invasion" else VALUE_BUTTONS.get(field, [NOT_KNOWN_BUTTON]))
        # the widget and socketio show buttons on the last message only: repeat the answer's
        # first follow-up questions here so they are not lost behind the value question
        answer_follow_ups = next((m.buttons for m in reversed(self.messages) if m.buttons), [])
        buttons += [b for b in answer_follow_ups if b not in buttons][:2]
        self.say(ASK_LEAD.format(question=question) + tail, buttons)
        self.messages[-1].custom = {"asks": field}
        return field


SIMPLE_REPLIES = {
    Act.affirm: ACK_AFFIRM,
    Act.deny: ACK_DENY,
    Act.greet: "Hello, I am NETguide. " + AUDIENCE_QUESTION,
    Act.thanks: "You are welcome. Ask another question any time.",
}
RESULTS_CHANGED = "What changed in the results: {changes}."
RESULTS_KEPT = " Unchanged: {results}."
RESULTS_UNCHANGED = "The results are unchanged: {results}."


# --------------------------------------------------------------------------------------------
# Small pure helpers (tested on their own)
# --------------------------------------------------------------------------------------------


def _gave_a_result_value(previous: Case, case: Case) -> bool:
    """Whether a value a computation reads, beyond the site and differentiation, differs between two cases."""
    fields = (INPUTS["grade"] | INPUTS["stage"]) - SHARED_INPUTS
    return any(getattr(previous, f, None) != getattr(case, f, None) for f in fields)


def most_useful_missing(missing: Dict[str, List[str]], unknown: Sequence[str], case: Optional[Case] = None) -> Optional[str]:
    """The first missing value, in the ask order of each computation answered, not declared unknown."""
    for topic, fields in missing.items():
        for field in ask_order(topic, case):
            if field in fields and field not in unknown:
                return field
    return None


def describe_changes(
    before: Case, after: Case, changed: Iterable[str], only_corrections: bool = False, was: str = "was"
) -> str:
    """'Ki-67 25% (was 8%), bone metastases' — the values that changed, in words."""
    parts: List[str] = []
    for field in dict.fromkeys(changed):
        if field == "mitoses_unit":
            continue
        old, new = getattr(before, field, None), getattr(after, field, None)
        if old == new:
            continue
        is_correction = old not in (None, [])
        if only_corrections and not is_correction:
            continue
        text = f"{field_label(field)} {describe_value(field, after)}"
        if is_correction:
            text += f" ({was}: {describe_value(field, before)})"
        parts.append(text)
    return ", ".join(parts)


def note_texts(notes: Sequence[CaseNote]) -> List[str]:
    """The notes on how values were read, in the words of knowledge/computed/case_notes.yml; a note whose
    template is not checked says so ("(under review)"), one whose template is missing is left out (`kb check`
    fails on it)."""
    if not notes:
        return []
    wording = load_knowledge().wording(CASE_NOTES.name)
    texts = []
    for words in (note_words(n, wording) for n in notes):
        if words is not None:
            pending = any(status not in CHECKED_STATUSES for status in words.statuses)
            texts.append(words.text + (NOTE_UNDER_REVIEW if pending else ""))
    return texts


def compose_for_turn(topic: str, case: Case, audience: str, uncapped: bool = False, question: str = "") -> Dict[str, Any]:
    """Compose the cited answer for a topic (`question`: the user's words, which pick the statements that
    answer them first) with what the turn needs from it."""
    from bot.answer import compose_answer  # imported here: the knowledge base loads once, on first use

    caps: Dict[str, Any] = {"max_guideline": None, "max_research": None} if uncapped else {}
    answer = compose_answer(topic, case=case, audience=audience, question=question, **caps)
    return {
        "topic": topic,
        "answer": answer,
        "statement_ids": answer.statement_ids(),
        "rule_ids": answer.rule_ids(),
        "missing": [need.field for need in answer.needs],
        "abstained": answer.abstain_reason is not None,
        # the question asked is one the reviewed statements do not answer: said, never left out
        "not_covered": answer.abstain_reason is not None and answer.abstain_reason.kind.value == "not_covered",
    }


def reply_message(answers: Sequence[Any], channel: str, what_if: bool = False) -> Message:
    """One message for the answers to one user message: the Reply rendered for the channel, in full (`text`)
    and short (`short`), with the structured results (`custom`): per part under `answers`, and for clients that
    read one result the parts' computed values merged (`computed`: the first part that has a value gives it)."""
    from bot.answer import compose_reply
    from bot.render import render_for_channel

    reply = compose_reply(list(answers))
    text, buttons = render_for_channel(reply, channel)
    short, _ = render_for_channel(reply, channel, short=True)
    parts: List[Dict[str, Any]] = []
    merged: Dict[str, Any] = {}
    for part in reply.parts:
        entry: Dict[str, Any] = {"topic": part.topic, "what_if": what_if}
        if part.computed:
            entry["computed"] = part.computed.result
            entry["provisional"] = part.computed.provisional
            for key, value in part.computed.result.items():
                merged.setdefault(key, value)
        parts.append(entry)
    custom: Dict[str, Any] = {"topic": reply.parts[0].topic, "topics": reply.topics, "answers": parts, "what_if": what_if}
    pictures = [part.computed.picture.model_dump() for part in reply.parts if part.computed and part.computed.picture]
    if pictures:
        custom["pictures"] = pictures
    if merged:
        custom["computed"] = merged
        custom["provisional"] = any(p.get("provisional") for p in parts)
    return Message(text=text, buttons=buttons, custom=custom, short=short)
