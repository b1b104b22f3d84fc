"""Text normalisation shared by the gate, the scorer and change detection.

Feeds write the same word many ways: "Microsoft’s" (curly apostrophe), "Israël", "fired" /
"firing" / "fires", "8,000". Everything is reduced to folded, stemmed *concepts* so that a
claim's terms are found whatever the inflection, and a few news-verb synonyms ("dismissed",
"terminated" ~ "fired") land on the same concept. The resources here are generic English
news vocabulary, not written for any story.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'"}
_DASHES = dict.fromkeys("‐‑‒–—―−", "-")
_FOLDED_MARKS = (*_APOSTROPHES.items(), *_DASHES.items())

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_POSSESSIVE = re.compile(r"(?<=\w)'s?\b")
TOKEN_RE = _TOKEN  # for readers that tokenise folded text themselves (see scorer.ConceptReader)
POSSESSIVE_RE = _POSSESSIVE

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no nor not
now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours said says say told
according including include includes included per via mr ms mrs new one us
may might must shall upon among across within without whether yet still already since
another several many much certain various specific ins
""".split())

# Words that state a claim's status or its timing rather than its content: a claim is matched
# on what it says happened, and these are exactly what a follow-up changes.
STATUS_WORDS = frozenset("""
ongoing underway continuing alleged allegedly reportedly confirmed disputed denied retracted
concluded previously coming soon weeks week days months later recently
""".split())

# Generic news vocabulary: words that name the same act or thing in reporting. Each line is
# one concept; the first word is its name. A word on two lines belongs to both concepts.
_SYNONYMS = """
fire dismiss terminate sack oust
protest protester demonstrate demonstrator demonstration sit rally encampment disrupt interrupt heckle
review investigation inquiry probe audit examination investigate
disable cease cut revoke block suspend deactivate halt discontinue shut stop terminate ban
move transfer migrate relocate shift
store storage host keep hold
employee worker staff staffer engineer
reveal expose uncover
publish release disclose
conclude complete finish end
surveillance spy spying monitor monitoring intercept
shareholder investor stockholder
military army
call phone
airstrike strike bombing
deadly lethal fatal kill killing
netherlands dutch holland
ireland irish
israel israeli
palestine palestinian
britain british
germany german
france french
europe european
america american
""".strip().splitlines()

# British -our spellings meet the American -or ones (see `stem`), except these words.
_OUR_KEEP = frozenset("four hour your tour pour flour sour our contour devour detour".split())

_IRREGULAR = {
    "men": "man", "women": "woman", "children": "child", "people": "person", "data": "data",
    "media": "media", "news": "news", "series": "series", "analyses": "analysis", "crises": "crisis",
    "held": "hold", "kept": "keep", "found": "find", "began": "begin", "begun": "begin", "shut": "shut",
    "said": "say", "told": "tell", "made": "make", "took": "take", "taken": "take", "gave": "give",
    "given": "give", "wrote": "write", "written": "write", "ran": "run", "cut": "cut", "led": "lead",
    "used": "use", "uses": "use", "using": "use",
    "sought": "seek", "brought": "bring", "withdrew": "withdraw", "withdrawn": "withdraw",
}

_SUFFIXES = (("ational", "ate"), ("isation", "ise"), ("ization", "ise"), ("iveness", "ive"),
             ("fulness", "ful"), ("ousness", "ous"), ("ments", "ment"), ("ings", ""), ("ing", ""),
             ("ied", "y"), ("ies", "y"), ("ers", "er"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"),
             ("xes", "x"), ("zes", "z"), ("eed", "ee"), ("ed", ""), ("es", "e"), ("s", ""))


def fold(text: str) -> str:
    """Lower-case, accent-free, straight apostrophes and hyphens: the form every matcher reads."""
    if text.isascii():  # the common case: of the characters folded, only the backtick is ASCII
        return text.replace("`", "'").lower()
    for src, dst in _FOLDED_MARKS:  # before NFKD, as NFKD may make new marks ("″" -> "′′")
        if src in text:
            text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        marks = [c for c in set(text) if unicodedata.combining(c)]
        if marks:
            text = text.translate(dict.fromkeys(map(ord, marks)))
    return text.lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A small suffix stripper: enough to make plurals, tenses and -ing forms meet.

    Not a full Porter stemmer: it only has to map a claim's words and an article's words to
    the same key, so over-stemming that is consistent on both sides is harmless.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    w = word
    for suffix, repl in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and (w.endswith(("ss", "us", "sis")) or (w.endswith("is") and len(w) < 6)):
                break
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz":  # "stopped" -> "stopp" -> "stop"
        w = w[:-1]
    if len(w) > 4 and w.endswith("tre"):  # centre -> center, theatre -> theater
        w = w[:-2] + "er"
    elif len(w) > 5 and w.endswith("our") and w not in _OUR_KEEP:  # labour -> labor
        w = w[:-2] + "r"
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 4 and w.endswith("iz"):  # organiz(e) -> organis(e)
        w = w[:-1] + "s"
    return w


def _concept_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in _SYNONYMS:
        words = line.split()
        head = stem(words[0])
        for w in words:
            key = stem(w)
            if head not in table.get(key, ()):
                table[key] = (*table.get(key, ()), head)
    return table


_CONCEPTS = _concept_table()


@lru_cache(maxsize=65536)
def concept(word: str) -> tuple[str, ...]:
    """The concept keys of one folded word: stemmed, then mapped through the synonym table.

    Usually one key; an ambiguous news verb ("terminated" a contract or an employee) has two.
    """
    s = stem(word)
    return _CONCEPTS.get(s, (s,))


def raw_tokens(text: str) -> list[str]:
    """Folded word and number tokens; possessives dropped, hyphens split, "8,000" -> "8000"."""
    text = _POSSESSIVE.sub("", fold(text)).replace("-", " ")
    out = []
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit():
            tok = tok.replace(",", "")
            if tok.endswith(".0"):
                tok = tok[:-2]
        out.append(tok)
    return out


def concepts(text: str) -> list[str]:
    """Content concepts of a text, in order (stopwords dropped; "sit-in" reads as "sit in")."""
    out: list[str] = []
    for tok in raw_tokens(text):
        if tok not in STOPWORDS:
            out.extend(concept(tok))
    return out


# Spelled-out names news writes for common acronyms: a claim that says "AI" is met by
# "artificial intelligence". Generic; a claim's own 3+ letter acronyms ("IMOD") are also
# recognised from their initials (see `scorer.SpelledAcronyms`).
PHRASE_ACRONYMS = {
    "artificial intelligence": "ai", "united nations": "un", "european union": "eu",
    "amazon web services": "aws", "national security agency": "nsa",
    "israel defense forces": "idf", "israeli defense forces": "idf", "israel defence forces": "idf",
    "chief executive officer": "ceo", "human rights watch": "hrw",
}


def is_number(token: str) -> bool:
    """True for numeric tokens ("8200", "11500", "1.2")."""
    return token[:1].isdigit()
