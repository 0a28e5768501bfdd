"""Which customer sentences state something about the customer, and what kind of thing.

A sentence is kept when it is a statement (not a question, greeting or small talk), has some
content, and is about the speaker: a first-person subject or possessive that is not only a
comment on the other party ("I bet she loves it", "I hope you ..."). Kept sentences of one
utterance that share a kind become one observation, so one turn gives one fact per kind.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

SMALL_TALK_RE = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: so much| very much)?|"
    r"thx|bye|goodbye|ok(?:ay)?|yes|yeah|yep|no|nope|sure|great|cool|perfect|alright|all right|awesome|"
    r"sounds good|got it|you too|have a (?:nice|good|great) (?:day|one|night)|that'?s (?:all|it|great|fine)|"
    r"not really|of course|i see|uh+|um+|hmm+|oh|wow|nice|fine|right|exactly|absolutely|please|lol|haha\w*|"
    r"take care|me too|same here|i agree|agreed|true|indeed|definitely|congrats|congratulations)"
    r"[\s,.!]*)+$",
    re.IGNORECASE,
)
QUESTION_START = frozenset(
    "what when where why how who which whom whose can could would will is are am do does did should shall "
    "may might have has".split()
)
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
# Verbs whose first-person subject only frames a comment about someone or something else.
COMMENT_VERBS = frozenset(
    "bet hope guess think agree imagine wonder understand see know mean suppose believe wish say tell "
    "love like hate find feel hear".split()
)
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "u", "ya"})
LIKING_VERBS = frozenset("like love enjoy hate dislike prefer want".split())
GENERIC_VERBS = frozenset("be have do love like hate know think want mean say get see go make try".split())
OBJECT_DEPS = frozenset({"dobj", "pobj", "dative", "iobj", "obj"})
SPECULATIVE_MODALS = frozenset({"would", "'d", "could", "might", "must", "should", "may"})
# Reactions to what the other party said: they carry no fact about the speaker.
REACTION_RE = re.compile(
    r"^\W*(?:\w+[,!.]?\s+){0,2}(?:i'?m not (?:so |too )?sure|i (?:don'?t|do not) know|i think so|i hope so|"
    r"i agree|i'?m sure|i guess|i understand|i see what|i know what|i know,|i can imagine|i bet|"
    r"i hope (?:you|it|that|she|he|they)|i'?m glad|i'?m sorry|i'?m so sorry|me too|i can'?t wait)\b"
    r"|\b(?:can'?t wait|look(?:ing)? forward|wish me luck|(?:i'?ve|i have) no idea|let me know)\b"
    r"|^\W*i(?:'?m| am) (?:doing )?(?:pretty |really |very |so |just )?(?:well|good|fine|great|ok(?:ay)?|alright)\b"
    r"|\bi(?:'?m| am) (?:so |really |very |super )?glad\b|\bcannot wait\b"
    r"|\b(?:give|gave) (?:it|that|this|him|her|them) a (?:try|go|shot|listen|look|whirl)\b"
    r"|\bcheck (?:it|that|this|them) out\b",
    re.IGNORECASE,
)
# Modal auxiliaries of a plan or offer ("we can go for tacos", "I should check it out").
PLAN_MODALS = frozenset({"will", "'ll", "can", "ca", "could", "should", "might", "may", "would", "'d", "shall"})
# How a comment on the other party's words starts ("That sounds like fun, ...").
COMMENT_OPENERS = frozenset("that that's thats it it's this sounds sound seems looks what how".split())
# How one feels about the moment or the other party's news ("I am so relieved", "I'm ready").
PASSING_STATES = frozenset(
    "glad happy relieved ready sure certain excited thrilled sorry willing open impressed jealous curious "
    "surprised grateful thankful proud amazed confused".split()
)
# Pronouns that point back at something already said ("I should try it", "I can understand that").
ANAPHORA = frozenset({"it", "that", "this", "these", "those", "them", "one", "him", "her"})
ISSUE_RE = re.compile(
    r"\b(damaged|broken|not working|doesn'?t work|isn'?t working|stopped working|problem|issue|error|wrong|"
    r"missing|late|delayed|never (?:arrived|came|got)|charged twice|double charged|overcharged|refund|"
    r"complain|can'?t (?:log|sign|access|connect|find|get|use)|cannot (?:log|sign|access|connect|use)|"
    r"unable|failed|lost|stolen|defective|crash(?:es|ed)?|leak(?:s|ing)?|outage|disconnected|"
    r"frustrat\w*|disappointed|unhappy|still (?:haven'?t|not|no)|"
    r"(?:is|are|was|were|been|went|goes|keeps going) down)\b",
    re.IGNORECASE,
)
PREFERENCE_RE = re.compile(
    r"\b(prefer\w*|rather|(?:really |do )?(?:like|love|enjoy|hate|dislike)s?|favou?rite|don'?t call|"
    r"do not call|only (?:text|email|call)|best time|contact me|reach me|text me|email me|call me)\b",
    re.IGNORECASE,
)
INTENT_RE = re.compile(
    r"\b(want(?:ed)? to|would like to|'d like to|need(?:ed)? to|looking to|trying to|planning to|plan to|"
    r"going to|thinking about|hoping to|wish to|cancel|upgrade|downgrade|switch|exchange)\b",
    re.IGNORECASE,
)
EVENT_RE = re.compile(
    r"\b(moved|moving|married|divorced|born|birthday|anniversary|graduat\w+|retir\w+|new job|"
    r"passed away|pregnan\w+|relocat\w+|renewed|signed up|joined|started|bought|purchased|ordered|"
    r"yesterday|last (?:week|month|year|night|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"next (?:week|month|year)|tomorrow|ago)\b",
    re.IGNORECASE,
)


def is_question(sentence: Span) -> bool:
    text = sentence.text.strip()
    if text.endswith("?"):
        return True
    first = next((t for t in sentence if not t.is_punct and not t.is_space), None)
    return first is not None and first.lower_ in QUESTION_START and not text.endswith((".", "!"))


def content_words(sentence: Span) -> int:
    return sum(1 for t in sentence if t.is_alpha or t.like_num)


def _first_person_tokens(sentence: Span) -> list[Token]:
    return [t for t in sentence if t.lower_ in FIRST_PERSON]


def _only_frames_a_comment(sentence: Span, mine: list[Token]) -> bool:
    """'I bet she appreciates that': the only first-person word is the subject of a framing verb
    whose complement is about someone else. 'I am thinking about moving to Ohio' frames nothing:
    there the verb's own object says something about the speaker."""
    if len(mine) != 1 or mine[0].dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = mine[0].head
    if verb.lemma_.lower() not in COMMENT_VERBS:
        return False
    complement = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp", "dobj", "attr")]
    if not complement:
        # Nothing but the framing verb ("I guess so", "I definitely agree"), unless a
        # prepositional object carries content of its own.
        objects = [t for c in verb.children if c.dep_ == "prep" for t in c.subtree]
        return not any(t.pos_ in ("NOUN", "PROPN", "VERB") for t in objects)
    return any(t.lower_ in SECOND_PERSON or (t.dep_ == "nsubj" and t.lower_ not in FIRST_PERSON)
               for c in complement for t in c.subtree)  # fmt: skip


def self_reference(sentence: Span) -> int:
    """2 for a first-person subject, 1 for a first-person possessive or object only."""
    mine = _first_person_tokens(sentence)
    return 2 if any(t.dep_ in ("nsubj", "nsubjpass") for t in mine) else 1 if mine else 0


def is_about_speaker(sentence: Span) -> bool:
    mine = _first_person_tokens(sentence)
    if not mine or all(t.dep_ in OBJECT_DEPS for t in mine):
        return False  # "That reminds me of ...", "a fun day for both of us": about something else
    return not _only_frames_a_comment(sentence, mine)


def _addresses_the_other_party(sentence: Span) -> bool:
    """'I can send you pictures', 'I am sure you do': the other party is part of what is said.
    Not so when the speaker is the subject and 'you' only sits in a side clause ('I survived
    Vietnam, like you survived the shipyard', 'I spend hours on it, so you'll see a lot')."""
    yours = [t for t in sentence if t.lower_ in SECOND_PERSON]
    if not yours:
        return False
    root = sentence.root
    if not any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in FIRST_PERSON for c in root.children):
        return True
    return not all(_in_side_clause(t, root) for t in yours)


def _in_side_clause(token: Token, root: Token) -> bool:
    """Whether the token sits in an adverbial or relative clause, or a comparison, under the root."""
    node = token
    while node.i != root.i and node.head.i != node.i:
        if node.dep_ in ("advcl", "relcl", "parataxis") or (node.dep_ == "prep" and node.lower_ in ("like", "as")):
            return True
        node = node.head
    return False


def is_hypothetical(sentence: Span) -> bool:
    """'I would love to visit Peru', 'I might get a cat': a wish or possibility of the speaker's.
    Kept (it says what the speaker wants or is like) but marked, with a lower confidence."""
    root = sentence.root
    modals = [c for c in root.children if c.dep_ == "aux" and c.lower_ in SPECULATIVE_MODALS]
    return bool(modals) and any(c.dep_ == "nsubj" and c.lower_ in FIRST_PERSON for c in root.children)


def _says_nothing_concrete(sentence: Span) -> bool:
    """'I love that!', 'I did it too': no noun, number or adjective of its own, and a generic verb.
    A liking for an activity is concrete: 'I like to sing', "I don't like reading"."""
    concrete = any(t.pos_ in ("NOUN", "PROPN", "NUM", "ADJ") for t in sentence)
    return not concrete and sentence.root.lemma_.lower() in GENERIC_VERBS and not _likes_an_activity(sentence)


def _likes_an_activity(sentence: Span) -> bool:
    root = sentence.root
    if root.lemma_.lower() not in LIKING_VERBS:
        return False
    return any(c.dep_ in ("xcomp", "ccomp", "dobj") and c.pos_ == "VERB" and c.lemma_.lower() not in GENERIC_VERBS
               for c in root.children)  # fmt: skip


def _elided_subject(sentence: Span) -> bool:
    """'Training for a marathon.', 'Currently living in California': a progressive verb with no
    subject at all, the speaker's own 'I am' left out (a chat habit)."""
    root = sentence.root
    if root.tag_ != "VBG" or any(t.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for t in sentence):
        return False
    if any(t.lower_ in SECOND_PERSON for t in sentence):
        return False
    before = [t for t in sentence if t.i < root.i and not t.is_punct]
    return all(t.pos_ in ("ADV", "INTJ", "CCONJ") for t in before)


def _modal_subjects(sentence: Span) -> tuple[list[Token], list[Token]]:
    root = sentence.root
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    modals = [c for c in root.children if c.dep_ == "aux" and c.lower_ in PLAN_MODALS]
    return subjects, modals


def _joint_plan(sentence: Span) -> bool:
    """'We can go for tacos afterwards', 'Maybe we should meet for a run', "Let's do this": a plan or
    proposal for both speakers, made in the conversation, not a fact about the speaker."""
    first = next((t for t in sentence if not t.is_punct), None)
    if first is not None and first.lower_ in ("let", "lets"):
        return True
    subjects, modals = _modal_subjects(sentence)
    return bool(modals) and any(s.lower_ == "we" for s in subjects)


def _passing_state(sentence: Span) -> bool:
    """'I am so relieved!', "I'm always ready", 'I am sure they are fine': how the speaker feels
    about the moment or the other party's news, with no noun or number to make it a fact."""
    root = sentence.root
    if root.lemma_.lower() != "be" or any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in sentence):
        return False
    return any(c.dep_ == "acomp" and c.lower_ in PASSING_STATES for c in root.children)


def _about_what_was_mentioned(sentence: Span) -> bool:
    """'It will probably help with my college applications', 'That was my favorite part': the
    subject points back at what was said and the speaker is only a possessive in it."""
    subjects = [c for c in sentence.root.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects or not all(s.lower_ in ("it", "that", "this") for s in subjects):
        return False
    mine = _first_person_tokens(sentence)
    return bool(mine) and all(t.dep_ == "poss" for t in mine)


def _only_points_back(sentence: Span) -> bool:
    """'I should check it out', 'I can understand that', 'I've never heard of it': no noun or number
    of its own, only a pronoun for what the other party said. A reply, not a fact."""
    if any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in sentence):
        return False
    return any(t.lower_ in ANAPHORA and t.dep_ in ("dobj", "pobj", "nsubj", "attr") for t in sentence)


def is_informative(sentence: Span, *, after_comment: bool = False) -> bool:
    """after_comment: the sentence followed a comment on what the other party said ('Sounds
    delicious, I should try it'); a plan or offer there answers the other party."""
    raw = sentence.text.strip()
    if is_question(sentence) or SMALL_TALK_RE.match(raw) or REACTION_RE.search(raw) or content_words(sentence) < 3:
        return False
    if _addresses_the_other_party(sentence) or _says_nothing_concrete(sentence):
        return False
    if _joint_plan(sentence) or _only_points_back(sentence) or _passing_state(sentence):
        return False
    if _about_what_was_mentioned(sentence):
        return False
    if after_comment and _modal_subjects(sentence)[1]:
        return False
    return is_about_speaker(sentence) or _elided_subject(sentence)


def statement_part(sentence: Span) -> tuple[Span, bool]:
    """The part of a sentence that may state something about the speaker, and whether a comment
    on the other party's words was cut off its front: without leading fillers ('Oh wow, ...') or
    such a comment ('That sounds great, I ...', 'Omg that is great, I ...')."""
    start = leading_filler_end(sentence)
    part = sentence[start:]
    end = _question_tail_start(part)
    if end:
        part = part[:end]
    cut = _comment_end(part)
    if cut:
        rest = part[cut:]
        return rest[leading_filler_end(rest) :], True
    return part, False


TAIL_QUESTION_START = QUESTION_START | {"you", "and", "or", "right", "okay", "ok", "any"}


def _question_tail_start(part: Span) -> int:
    """'I always wanted to try pottery, is it easy?', 'Working on my cars, what are your hobbies?':
    a statement with a question tacked on after a comma or dash. The index where the question
    starts, when what comes before it is a first-person statement of three words or more; else 0."""
    if not part.text.strip().endswith("?"):
        return 0
    for index in range(len(part) - 2, 0, -1):
        token, after = part[index], part[index + 1]
        after_comma = token.text in (",", "-", "--", "\u2014", ";") and after.lower_ in TAIL_QUESTION_START
        # '... soon would you like to come?': an auxiliary and 'you' start a question of their own
        run_on = token.lower_ in QUESTION_START and after.lower_ in ("you", "u")
        if after_comma or run_on:
            head = part[:index]
            if sum(1 for t in head if t.is_alpha) >= 3 and any(t.lower_ in ("i", "we", "my") for t in head):
                return index
    return 0


def _comment_end(part: Span) -> int:
    """Index after a short leading comment clause ('That sounds good,'): no first-person word, no
    noun or number (unless it starts with 'that', 'it', 'sounds' ...: 'That sounds like a plan,'),
    a verb, and a first-person remainder after its comma or dash. 0 if none."""
    for index, token in enumerate(part[:8]):
        if token.text in (",", "-", "--", "\u2014", ";") and index > 0:
            head, rest = part[:index], part[index + 1 :]
            if any(t.lower_ in FIRST_PERSON for t in head):
                return 0
            opener = next((t for t in head if t.lower_ not in FILLER_WORDS and t.pos_ != "INTJ"), head[0])
            if opener.lower_ not in COMMENT_OPENERS and any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in head):
                return 0
            if not any(t.pos_ in ("VERB", "AUX") for t in head) or not _first_person_tokens(rest):
                return 0
            return index + 1 if len(rest) > 2 else 0
    return 0


def classify_statement(text: str) -> str:
    if ISSUE_RE.search(text):
        return "issue"
    if PREFERENCE_RE.search(text):
        return "preference"
    if EVENT_RE.search(text):
        return "event"
    if INTENT_RE.search(text):
        return "intent"
    return "fact"


FILLER_WORDS = frozenset(
    "oh wow yes yeah yep no nope well haha hahaha lol hmm um ah aw ok okay sure so right exactly true nice "
    "cool great awesome thanks thank you but and also anyway actually honestly".split()
)


def leading_filler_end(sentence: Span) -> int:
    """Index (within the sentence) of the first token after leading fillers and their commas:
    'Oh wow, I love hiking.' -> the index of 'I'. 0 when nothing would be left."""
    index = 0
    for token in sentence:
        modifies_next = token.head.i == token.i + 1 and token.dep_ in ("det", "amod", "advmod", "neg", "compound")
        if (token.lower_ in FILLER_WORDS or token.pos_ == "INTJ" or token.is_punct) and not modifies_next:
            index += 1  # not 'No' of 'No matter how ...' nor 'Right' of 'Right now'
            continue
        break
    return index if index < len(sentence) - 2 else 0
