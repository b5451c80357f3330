"""The episodes of the sandbox's five task families (src/engine/tasks/*.ts `start`): a simulated
user (or environment) holding the hidden information, answering one action at a time. Only what
an episode needs is here (parsing, replies, scoring); instance sampling and the scripted agents
stay in the sandbox, which writes each instance into the row (create_kwargs.hidden_json) and the
words and rules into tables.json."""

from .voice import Answer, Voice, js_round, words


class Reply:
    __slots__ = ("feedback", "role", "done", "step_reward", "valid")

    def __init__(self, feedback, role, done=False, step_reward=0.0, valid=True):
        self.feedback = feedback
        self.role = role
        self.done = done
        self.step_reward = step_reward
        self.valid = valid


# ------------------------------------------------------------------------------------ intent


class IntentEpisode:
    family = "intent"

    def __init__(self, hidden, options, rng, tables):
        t = tables["intent"]
        self.t = t
        self.hidden = hidden
        self.domain = next(d for d in t["domains"] if d["id"] == hidden["domain"])
        self.all_values = {o["value"] for d in t["domains"] for s in d["slots"] for o in s["options"]}
        self.voice = Voice(options["persona"], options["noise"], rng, tables["personas"])
        self.not_understood = tables["personas"]["not_understood"]
        self.covered = set()
        self.score = 0.0
        self.answered = False

    def _slot_answer(self, slot, value):
        spec = next(s for s in self.domain["slots"] if s["slot"] == slot)
        o = next(x for x in spec["options"] if x["value"] == value)
        others = [x for x in spec["options"] if x["value"] != value]
        return Answer(o["phrase"], o["value"], o.get("implicit") or o["phrase"], lambda rng: self._slot_answer(slot, rng.pick(others)["value"]))

    def parse(self, action):
        w = words(action)
        if w and w[0] == "ask":
            rest = w[1:-1] if w[-1] == "?" else w[1:]
            if 1 <= len(rest) <= 3 and all(s in self.t["slot_words"] for s in rest) and len(set(rest)) == len(rest):
                return ("ask", rest)
            return ("invalid", None)
        if w and w[0] == "answer":
            rest = w[1:]
            return ("answer", (rest, len(rest) > 0 and all(v in self.all_values for v in rest)))
        return ("invalid", None)

    def _score(self, values):
        said = set(values)
        got = total = 0
        for m in self.hidden["missing"]:
            options = [o["value"] for o in next(s for s in self.domain["slots"] if s["slot"] == m["slot"])["options"]]
            mentioned = [o for o in options if o in said]
            total += m["importance"]
            if len(mentioned) == 1 and mentioned[0] == m["value"]:
                got += m["importance"]
        return got / total if total > 0 else 0

    def _question_reward(self, uncovered):
        t = self.t
        if not uncovered:
            return -t["step_penalty"]
        top = max(u["importance"] for u in uncovered)
        return max(0, t["importance_reward"][str(top)] - t["extra_detail_penalty"] * (len(uncovered) - 1)) - t["step_penalty"]

    def respond(self, action):
        t = self.t
        if self.answered:
            return Reply("", "user", True, 0, False)
        kind, arg = self.parse(action)
        if kind == "ask":
            slots_of_domain = {s["slot"] for s in self.domain["slots"]}
            parts = [self._slot_answer(s, self.hidden["values"][s]) if s in slots_of_domain else Answer(t["dont_mind"], "any") for s in arg]
            fresh = [m for m in self.hidden["missing"] if m["slot"] in arg and m["slot"] not in self.covered]
            for m in fresh:
                self.covered.add(m["slot"])
            text, _ = self.voice.say(parts)
            return Reply(text, "user", False, self._question_reward(fresh))
        if kind == "answer":
            values, valid = arg
            self.answered = True
            self.score = self._score(values)
            return Reply(t["answer_perfect"] if self.score == 1 else t["answer_ok"], "user", True, 0, valid)
        return Reply(self.not_understood, "user", False, -t["step_penalty"], False)

    def outcome(self):
        return self.score, self.answered and self.score == 1


# ------------------------------------------------------------------------------- 20 questions


class TwentyQuestionsEpisode:
    family = "20q"

    def __init__(self, hidden, options, rng, tables):
        self.t = tables["20q"]
        self.item = hidden["item"]
        self.values = set(self.t["question_values"])
        self.items = set(self.t["item_names"])
        self.voice = Voice(options["persona"], options["noise"], rng, tables["personas"])
        self.not_understood = tables["personas"]["not_understood"]
        self.wrong_guess = options["wrong_guess"]
        self.solved = False
        self.over = False

    def _truth_answer(self, truth):
        w = self.t["answer_words"][truth]

        def wrong(rng):
            return self._truth_answer("no" if truth == "yes" else "yes" if truth == "no" else rng.pick(["yes", "no"]))

        return Answer(w["plain"], w["plain"], w["implicit"], wrong)

    def parse(self, action):
        w = words(action)
        if len(w) >= 2 and w[0] == "is" and w[1] == "it":
            rest = w[2:]
            if rest and rest[0] in ("a", "an"):
                rest = rest[1:]
            if 1 <= len(rest) <= 2 and rest[0] in self.values and (len(rest) == 1 or rest[1] == "?"):
                return ("ask", rest[0])
        if len(w) == 2 and w[0] == "guess" and w[1] in self.items:
            return ("guess", w[1])
        return ("invalid", None)

    def respond(self, action):
        t = self.t
        if self.over:
            return Reply("", "user", True, 0, False)
        kind, arg = self.parse(action)
        if kind == "ask":
            text, _ = self.voice.say(self._truth_answer(self.item["answers"][arg]))
            return Reply(text, "user")
        if kind == "guess":
            if arg == self.item["name"]:
                self.solved = self.over = True
                return Reply(t["guess_right"], "user", True)
            if self.wrong_guess == "end":
                self.over = True
                return Reply(t["guess_wrong_end"], "user", True)
            return Reply(t["guess_wrong_turn"], "user")
        return Reply(self.not_understood, "user", False, 0, False)

    def outcome(self):
        return (1 if self.solved else 0), self.solved


# ---------------------------------------------------------------------------- collaborative code


class Dsl:
    """The list language of src/engine/tasks/dsl.ts."""

    def __init__(self, t):
        self.nullary = set(t["nullary_ops"])
        self.unary = set(t["unary_ops"])
        self.max_param = t["max_param"]

    def parse(self, ws):
        program = []
        i = 0
        while i < len(ws):
            w = ws[i]
            if w in self.nullary:
                program.append((w, None))
            elif w in self.unary:
                arg = ws[i + 1] if i + 1 < len(ws) else None
                if arg is None or not arg.isdigit() or not arg.isascii() or int(arg) > self.max_param:
                    return None
                program.append((w, int(arg)))
                i += 1
            else:
                return None
            i += 1
        return program

    @staticmethod
    def run(program, xs):
        """The program's value on a list, or None when a list step meets a number."""
        value = list(xs)
        for op, n in program:
            if not isinstance(value, list):
                return None
            if op == "even":
                value = [x for x in value if x % 2 == 0]
            elif op == "odd":
                value = [x for x in value if x % 2 != 0]
            elif op == "above":
                value = [x for x in value if x > n]
            elif op == "below":
                value = [x for x in value if x < n]
            elif op == "plus":
                value = [x + n for x in value]
            elif op == "times":
                value = [x * n for x in value]
            elif op == "dedupe":
                value = [x for i, x in enumerate(value) if value.index(x) == i]
            elif op == "asc":
                value = sorted(value)
            elif op == "desc":
                value = sorted(value, reverse=True)
            elif op == "reverse":
                value = value[::-1]
            elif op == "first":
                value = value[:n]
            elif op == "skip":
                value = value[n:]
            elif op == "sum":
                value = sum(value)
            elif op == "max":
                value = max(value) if value else 0
            elif op == "min":
                value = min(value) if value else 0
            elif op == "count":
                value = len(value)
        return value

    @staticmethod
    def same(a, b):
        if not isinstance(a, list) or not isinstance(b, list):
            return (not isinstance(a, list)) and (not isinstance(b, list)) and a == b
        return a == b

    @staticmethod
    def text(v):
        if not isinstance(v, list):
            return str(v)
        return " ".join(str(x) for x in v) if v else "nothing"


class CodeEpisode:
    family = "code"

    def __init__(self, hidden, options, rng, tables):
        t = tables["code"]
        self.t = t
        self.hidden = hidden
        self.dsl = Dsl(t)
        self.program = self.dsl.parse(words(" ".join(hidden["stages"][s] for s in t["stages"])))
        if self.program is None:
            raise ValueError("code: the hidden stages do not form a program: %r" % (hidden["stages"],))
        self.rng = rng
        self.voice = Voice(options["persona"], options["noise"], rng, tables["personas"])
        self.not_understood = tables["personas"]["not_understood"]
        self.score = 0.0
        self.submitted = False

    def _stage_answer(self, stage, code):
        x = next(o for o in self.t["stage_options"][stage] if o["code"] == code)
        others = [o for o in self.t["stage_options"][stage] if o["code"] != code]
        return Answer(x["plain"], x["terse"], x["implicit"], lambda rng: self._stage_answer(stage, rng.pick(others)["code"]))

    def _example_input(self):
        for _ in range(40):
            xs = [self.rng.int(0, 9) for _ in range(4)]
            v = self.dsl.run(self.program, xs)
            if v is not None and all(x <= 20 for x in (v if isinstance(v, list) else [v])):
                return xs
        return [1, 2, 2, 0]

    def parse(self, action):
        w = words(action)
        if w and w[0] == "ask" and (len(w) == 2 or (len(w) == 3 and w[2] == "?")):
            if w[1] == "example":
                return ("example", None)
            if w[1] in self.t["stages"]:
                return ("ask", w[1])
        if w and w[0] == "code":
            return ("code", self.dsl.parse(w[1:]))
        return ("invalid", None)

    def _pass_rate(self, program):
        tests = self.hidden["tests"]
        if not tests:
            return 0
        passed = 0
        for test in tests:
            v = self.dsl.run(program, test["input"])
            if v is not None and self.dsl.same(v, test["output"]):
                passed += 1
        return passed / len(tests)

    def respond(self, action):
        t = self.t
        if self.submitted:
            return Reply("", "user", True, 0, False)
        kind, arg = self.parse(action)
        if kind == "ask":
            text, _ = self.voice.say(self._stage_answer(arg, self.hidden["stages"][arg]))
            return Reply(text, "user")
        if kind == "example":
            xs = self._example_input()
            v = self.dsl.run(self.program, xs)
            said = "%s %s %s" % (" ".join(str(x) for x in xs), t["example_word"], self.dsl.text(v) if v is not None else "nothing")
            text, _ = self.voice.say(Answer(said))
            return Reply(text, "user")
        if kind == "code":
            self.submitted = True
            self.score = self._pass_rate(arg) if arg is not None else 0
            n = len(self.hidden["tests"])
            return Reply("%d of %d %s" % (js_round(self.score * n), n, t["code_done"]), "user", True, 0, arg is not None)
        return Reply(self.not_understood, "user", False, 0, False)

    def outcome(self):
        return self.score, self.submitted and self.score == 1


# ------------------------------------------------------------------------------------- travel


class TravelEpisode:
    family = "travel"

    def __init__(self, hidden, options, rng, tables):
        t = tables["travel"]
        self.t = t
        self.hotels = hidden["hotels"]
        self.prefs = hidden["prefs"]
        self.voice = Voice(options["persona"], options["noise"], rng, tables["personas"])
        self.not_understood = tables["personas"]["not_understood"]
        # A cooperative user states some preferences only implicitly (fixed for the episode).
        self.implicit_aspects = {a for a in [a for a in t["aspects"] if rng.bernoulli(options["implicit_rate"])]}
        self.reward = 0.0
        self.best = False
        self.booked = False

    def _has(self, h, value):
        if value == h["area"] or value == h["price"]:
            return True
        return value in ("refundable", "breakfast", "parking", "pool") and bool(h[value])

    def _booking_reward(self, h):
        if h is None:
            return 0
        misses = sum(1 for a in self.t["aspects"] if self.prefs[a] is not None and not self._has(h, self.prefs[a]))
        return 1 if misses == 0 else 0.8 if misses == 1 else 0

    def _pref_answer(self, aspect, value):
        t = self.t

        def wrong(rng):
            others = [v for v in [None] + list(t["aspect_values"][aspect]) if v != value]
            return self._pref_answer(aspect, rng.pick(others))

        if value is None:
            return Answer(t["not_mind"], "any", t["not_mind"], wrong)
        p = t["phrases"][value]
        return Answer(p["plain"], value, p["implicit"], wrong)

    def parse(self, action):
        t = self.t
        w = words(action)
        if w and w[0] == "ask" and (len(w) == 2 or (len(w) == 3 and w[2] == "?")) and w[1] in t["aspects"]:
            return ("ask", w[1])
        if w and w[0] == "search" and len(w) <= 4 and all(v in t["search_words"] for v in w[1:]):
            return ("search", w[1:])
        if w and w[0] == "book" and len(w) == 2:
            return ("book", w[1])
        return ("invalid", None)

    def respond(self, action):
        t = self.t
        if self.booked:
            return Reply("", "env", True, 0, False)
        kind, arg = self.parse(action)
        if kind == "ask":
            answer = self._pref_answer(arg, self.prefs[arg])
            if arg in self.implicit_aspects and self.voice.persona != "terse":
                answer = answer.with_plain(answer.implicit if answer.implicit is not None else answer.plain)
            text, _ = self.voice.say(answer)
            return Reply(text, "user")
        if kind == "search":
            found = [h["name"] for h in self.hotels if all(self._has(h, v) for v in arg)]
            return Reply(" ".join(found) + " ." if found else t["nothing_found"], "env")
        if kind == "book":
            self.booked = True
            h = next((x for x in self.hotels if x["name"] == arg), None)
            self.reward = self._booking_reward(h)
            self.best = self.reward == 1
            return Reply(t["booked"] if h is not None else t["no_such_hotel"], "env", True, 0, h is not None)
        return Reply(self.not_understood, "user", False, 0, False)

    def outcome(self):
        return self.reward, self.best


# --------------------------------------------------------------------------------- mastermind


class MastermindEpisode:
    family = "mastermind"

    def __init__(self, hidden, options, rng, tables):
        self.t = tables["mastermind"]
        self.code = hidden["code"]
        self.solved = False

    def parse(self, action):
        w = words(action)
        if not w or w[0] != "try" or len(w) != self.t["code_length"] + 1:
            return None
        code = w[1:]
        return code if all(c in self.t["colours"] for c in code) else None

    def _score(self, guess):
        exact = 0
        rest_s, rest_g = {}, {}
        for s, g in zip(self.code, guess):
            if s == g:
                exact += 1
            else:
                rest_s[s] = rest_s.get(s, 0) + 1
                rest_g[g] = rest_g.get(g, 0) + 1
        near = sum(min(n, rest_s.get(c, 0)) for c, n in rest_g.items())
        return exact, near

    def respond(self, action):
        t = self.t
        if self.solved:
            return Reply("", "env", True, 0, False)
        guess = self.parse(action)
        if guess is None:
            return Reply(t["invalid"], "env", False, 0, False)
        exact, near = self._score(guess)
        self.solved = exact == t["code_length"]
        return Reply(t["solved"] if self.solved else "%d exact %d near ." % (exact, near), "env", self.solved)

    def outcome(self):
        return (1 if self.solved else 0), self.solved


EPISODES = {cls.family: cls for cls in (IntentEpisode, TwentyQuestionsEpisode, CodeEpisode, TravelEpisode, MastermindEpisode)}
