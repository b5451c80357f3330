"""Words and personas, as src/engine/tasks/common.ts and src/engine/users/personas.ts define them:
a family decides what the user means (an Answer in several surface forms); the persona decides
how it is said and, for the noisy persona, whether truthfully."""

import re

# The sandbox splits like its tokenizer: \w+ | [^\w\s]+ with JavaScript's ASCII \w, lower-cased.
_WORDS = re.compile(r"[A-Za-z0-9_]+|[^A-Za-z0-9_\s]+")


def words(text):
    return _WORDS.findall(text.lower())


def js_round(x):
    """Math.round: halves go up (Python's round() goes to even)."""
    import math

    return int(math.floor(x + 0.5))


class Answer:
    """The content of one answer; `wrong(rng)` gives a wrong Answer of the same kind, or is None."""

    __slots__ = ("plain", "terse", "implicit", "wrong")

    def __init__(self, plain, terse=None, implicit=None, wrong=None):
        self.plain = plain
        self.terse = terse
        self.implicit = implicit
        self.wrong = wrong

    def with_plain(self, plain):
        return Answer(plain, self.terse, self.implicit, self.wrong)


PERSONA_IDS = ("cooperative", "terse", "verbose", "noisy", "implicit")


class Voice:
    def __init__(self, persona, noise, rng, tables):
        if persona not in PERSONA_IDS:
            raise ValueError('Unknown persona "%s". Known personas: %s' % (persona, ", ".join(PERSONA_IDS)))
        self.persona = persona
        self.noise = noise
        self.rng = rng
        self.fillers = tables["fillers"]
        self.closing = tables["closing"]

    def say(self, parts):
        """One answer or a list of parts, joined with commas; returns (text, lied)."""
        if isinstance(parts, Answer):
            parts = [parts]
        lied = False
        phrases = []
        for answer in parts:
            if self.persona == "terse":
                phrases.append(answer.terse if answer.terse is not None else answer.plain)
            elif self.persona == "implicit":
                phrases.append(answer.implicit if answer.implicit is not None else answer.plain)
            elif self.persona == "noisy":
                # The draw happens only when the answer can be wrong (as in personas.ts).
                if answer.wrong is not None and self.rng.bernoulli(self.noise):
                    lied = True
                    phrases.append(answer.wrong(self.rng).plain)
                else:
                    phrases.append(answer.plain)
            else:
                phrases.append(answer.plain)
        if self.persona == "terse":
            return " , ".join(phrases), lied
        text = " , ".join(phrases) + " ."
        if self.persona == "verbose":
            text = self.rng.pick(self.fillers) + " " + text
            if self.rng.bernoulli(0.3):
                text += " " + self.closing
        return text, lied
