"""The gym the reference's interact tool drives: built from a row's create_kwargs (the tool adds
max_turns and model_name, which these gyms ignore: the turn budget is the row's `turn_budget`
and the user is simulated by rule, not by an LLM), then reset(), step(action) per tool call,
close() on release.

Rewards follow the reference's bookkeeping: it sums the step rewards of an episode and replaces
the last one by the largest step reward seen (InteractTool.calc_reward). So every turn but the
last returns 0, and the last returns the sandbox's whole score R (docs/infopo.md §4: the step
rewards of all turns but the last plus the final reward, or 1/0 success): the sum is then R.
A negative R (an intent episode of useless questions and no answer) comes out as 0 there, since
the largest step reward is the 0 of an earlier turn."""

import json
import os

from .families import EPISODES
from .voice import words
from .rng import Rng

ENV_PREFIX = "InfoPOSandbox-"
_TABLES = None


def tables():
    """The words and rules of every family, written by the sandbox's export (tables.json)."""
    global _TABLES
    if _TABLES is None:
        with open(os.path.join(os.path.dirname(__file__), "tables.json"), encoding="utf-8") as f:
            _TABLES = json.load(f)
    return _TABLES


def parse_state(text):
    parts = str(text).split()
    if len(parts) != 4:
        raise ValueError("user_rng_state: expected four integers, got %r" % (text,))
    return [int(p) for p in parts]


def sandbox_action(family, tool_action):
    """The sandbox action of the string the interact tool sends ("[action] ask time ?", "[answer]
    dinner four", "[search] beach"): the tag is dropped; an answer or search whose content lacks
    the family's own verb gets it ("[answer] dinner four" -> "answer dinner four")."""
    t = tables()["verbs"][family]
    text = str(tool_action).strip()
    for tag, verb in (("[answer]", t["answer"]), ("[search]", t.get("search")), ("[action]", None)):
        if text.startswith(tag):
            content = text[len(tag):].strip()
            if verb and words(content)[:1] != [verb]:
                content = (verb + " " + content).strip()
            return content
    if text.startswith("[finish]"):
        return ""
    return text


class SandboxEnv:
    """One episode of a sandbox task family, rebuilt from a row's create_kwargs."""

    REQUIRED = ("family", "id", "request", "hidden_json", "persona", "noise", "turn_budget", "wrong_guess", "implicit_rate", "reward", "user_rng_state", "fork_user_by_request")

    def __init__(self, request_id=None, **kwargs):
        missing = [k for k in self.REQUIRED if k not in kwargs]
        if missing:
            raise ValueError("InfoPOSandbox gym: create_kwargs lacks %s (rows written by npm run export-verl have them)" % ", ".join(missing))
        self.kwargs = kwargs
        self.family = kwargs["family"]
        if self.family not in EPISODES:
            raise ValueError('InfoPOSandbox gym: unknown family "%s" (known: %s)' % (self.family, ", ".join(sorted(EPISODES))))
        self.request_id = request_id
        self.request = kwargs["request"]
        self.hidden = json.loads(kwargs["hidden_json"])
        self.turn_budget = int(kwargs["turn_budget"])
        self.reward_mode = kwargs["reward"]
        if self.reward_mode not in ("task", "success"):
            raise ValueError("InfoPOSandbox gym: reward must be task or success, got %r" % (self.reward_mode,))
        self.options = {
            "persona": kwargs["persona"],
            "noise": float(kwargs["noise"]),
            "wrong_guess": kwargs["wrong_guess"],
            "implicit_rate": float(kwargs["implicit_rate"]),
        }
        self.episode = None

    def reset(self, seed=None, options=None):
        """Start the episode. The user's stream is the row's (user_rng_state); a train row forks it
        by the request id so that the n rollouts of a prompt meet independent users, as the
        sandbox's trainer forks one stream per episode. `seed` replaces the row's stream."""
        if seed is not None:
            rng = Rng(seed)
        else:
            rng = Rng.from_state(parse_state(self.kwargs["user_rng_state"]))
            if self.kwargs["fork_user_by_request"] and self.request_id is not None:
                rng = rng.fork(str(self.request_id))
        self.episode = EPISODES[self.family](self.hidden, self.options, rng, tables())
        self.turns = 0
        self.step_rewards = []
        self.ended = False
        return {"feedback": self.request}, {"family": self.family, "id": self.kwargs["id"], "turn_budget": self.turn_budget}

    def score(self):
        """The sandbox's R of the episode so far (rl/rollout.ts toRollout)."""
        reward, success = self.episode.outcome()
        if self.reward_mode == "success":
            return (1 if success else 0), success
        total = 0
        for r in self.step_rewards[:-1]:
            total += r
        return total + reward, success

    def step(self, action):
        if self.episode is None:
            self.reset()
        if self.ended:
            return {"feedback": ""}, 0.0, True, False, {"note": "the episode has ended"}
        reply = self.episode.respond(sandbox_action(self.family, action))
        self.turns += 1
        self.step_rewards.append(reply.step_reward)
        terminated = bool(reply.done)
        truncated = not terminated and self.turns >= self.turn_budget
        info = {"role": reply.role, "valid": reply.valid, "step_reward": reply.step_reward, "turn": self.turns}
        reward = 0.0
        if terminated or truncated:
            self.ended = True
            reward, success = self.score()
            info.update({"success": success, "score": reward, "final_reward": self.episode.outcome()[0]})
        return {"feedback": reply.feedback}, reward, terminated, truncated, info

    async def step_async(self, action):
        return self.step(action)

    def close(self):
        self.episode = None


def make_env(env_name, request_id=None, **kwargs):
    """What the registration patch of env_manager.py calls: the gym of `InfoPOSandbox-<family>`, reset."""
    if not str(env_name).startswith(ENV_PREFIX):
        raise ValueError("InfoPOSandbox gym: env_name must start with %s, got %r" % (ENV_PREFIX, env_name))
    family = env_name[len(ENV_PREFIX):]
    if kwargs.get("family", family) != family:
        raise ValueError("InfoPOSandbox gym: env_name %s but create_kwargs.family %s" % (env_name, kwargs.get("family")))
    kwargs.setdefault("family", family)
    env = SandboxEnv(request_id=request_id, **kwargs)
    env.reset()
    return env


def reference_score(step_rewards):
    """The score the reference trains on: the sum of step rewards with the last replaced by the largest."""
    if not step_rewards:
        return 0.0
    return sum(step_rewards[:-1]) + max(step_rewards)
