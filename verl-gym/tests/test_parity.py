"""Parity of the gyms with the InfoPO sandbox: replays the episodes the sandbox played on the
exported test rows (tests/fixtures.json: every family, persona and scripted baseline) through the
gyms, as the reference's interact tool drives them, and demands the same replies, the same
rewards, the same ends and the same success. Standard library only:

    python3 -m unittest discover -s tests -t .
"""

import asyncio
import inspect
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from infopo_sandbox_gym import ENV_NAMES, Rng, make_env, reference_score, sandbox_action
from infopo_sandbox_gym.voice import words

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures.json"), encoding="utf-8") as f:
    FIXTURES = json.load(f)


def interact_create(instance_id, env_name=None, max_turns=15, **kwargs):
    """The signature of the reference's InteractTool.create: a create_kwargs key named like one of
    its parameters fails here as it fails there ("got multiple values for argument")."""
    kwargs["max_turns"] = max_turns
    return env_name, kwargs


def create_as_the_reference_does(create_kwargs, request_id):
    """The rollout adds max_turns and model_name to create_kwargs, the tool takes env_name out; the
    registration patch then calls make_env(env_name, request_id=..., **kwargs)."""
    ck = dict(create_kwargs)
    ck["max_turns"] = 99
    ck["model_name"] = "gpt-4o-mini-2024-07-18"
    env_name, kwargs = interact_create(request_id, **ck)
    return make_env(env_name, request_id=request_id, **kwargs)


class RandomStreams(unittest.TestCase):
    def test_draws_match_the_sandbox(self):
        for case in FIXTURES["rng"]:
            r = Rng(case["seed"])
            ints = [r.int(0, 0x7FFFFFFF if k == 5 else 9) for k in range(6)]
            floats = [r.next() for _ in range(3)]
            self.assertEqual(ints, case["ints"], "seed %d" % case["seed"])
            self.assertEqual(floats, case["floats"], "seed %d" % case["seed"])
            self.assertEqual(r.get_state(), case["state"], "seed %d" % case["seed"])

    def test_derived_and_forked_streams_match_the_sandbox(self):
        for case in FIXTURES["derived"]:
            r = Rng.derive(case["seed"], case["name"])
            self.assertEqual(r.get_state(), case["state"], case["name"])
            self.assertEqual(r.fork(case["fork"]).get_state(), case["forked_state"], case["name"])

    def test_words_split_like_the_sandbox(self):
        for case in FIXTURES["words"]:
            self.assertEqual(words(case["text"]), case["words"], case["text"])


class Parity(unittest.TestCase):
    def replay(self, fixture_set, k, episode):
        where = "%s/%s/%s episode %d (%s)" % (fixture_set["family"], fixture_set["persona"], fixture_set["baseline"], k, episode["create_kwargs"]["id"])
        env = create_as_the_reference_does(episode["create_kwargs"], request_id="fixture-%d" % k)
        rewards = []
        for i, turn in enumerate(episode["turns"]):
            last = i == len(episode["turns"]) - 1
            obs, reward, terminated, truncated, info = asyncio.run(env.step_async(turn["tool"]))
            at = "%s, turn %d (%s)" % (where, i + 1, turn["tool"])
            self.assertEqual(words(sandbox_action(fixture_set["family"], turn["tool"])), words(turn["action"]), at + ": the gym's reading of the tool call")
            self.assertEqual(obs["feedback"], turn["feedback"], at)
            self.assertEqual(info["role"], turn["role"], at)
            self.assertEqual(info["valid"], turn["valid"], at)
            self.assertEqual(info["step_reward"], turn["step_reward"], at)
            rewards.append(reward)
            if episode["context_end"]:
                continue
            if last:
                self.assertTrue(terminated or truncated, at + ": the sandbox ended here")
                self.assertEqual(terminated, turn["done"], at)
                self.assertEqual(reward, episode["score"], at)
                self.assertEqual(info["success"], episode["success"], at)
            else:
                self.assertFalse(terminated or truncated, at + ": the sandbox went on")
                self.assertEqual(reward, 0.0, at)
        score, success = env.score()
        self.assertEqual((score, success), (episode["score"], episode["success"]), where)
        if not episode["context_end"] and episode["score"] >= 0:
            self.assertEqual(reference_score(rewards), episode["score"], where + ": the reference's sum-with-max")
        env.close()
        return success

    def test_every_fixture_episode_replays_identically(self):
        n = 0
        for s in FIXTURES["sets"]:
            for k, episode in enumerate(s["episodes"]):
                with self.subTest(family=s["family"], persona=s["persona"], baseline=s["baseline"], episode=k):
                    self.replay(s, k, episode)
                n += 1
        self.assertGreater(n, 0)

    def test_scripted_baselines_succeed_as_in_the_sandbox(self):
        """The success rate of each baseline's actions played through the gyms equals npm run evaluate's on the same instances."""
        for s in FIXTURES["sets"]:
            with self.subTest(family=s["family"], persona=s["persona"], baseline=s["baseline"]):
                wins = [self.replay(s, k, e) for k, e in enumerate(s["episodes"])]
                self.assertEqual(sum(1 for w in wins if w) / len(wins), s["success_mean"])

    def test_fixtures_cover_every_family_persona_and_baseline(self):
        families = {s["family"] for s in FIXTURES["sets"]}
        for fam in families:
            sets = [s for s in FIXTURES["sets"] if s["family"] == fam]
            if fam != "mastermind":
                self.assertEqual({s["persona"] for s in sets}, {"cooperative", "terse", "verbose", "noisy", "implicit"}, fam)
            self.assertEqual({s["baseline"] for s in sets}, {"act-now", "ask-all", "random", "oracle", "demo"}, fam)


class Interface(unittest.TestCase):
    def first_episode(self, family=None, users_only=False):
        for s in FIXTURES["sets"]:
            if (family is None or s["family"] == family) and not (users_only and s["family"] == "mastermind"):
                return s["episodes"][0]
        self.skipTest("no fixture of %s" % (family or "a family with a user"))

    def test_gym_interface_the_reference_calls(self):
        env = create_as_the_reference_does(self.first_episode()["create_kwargs"], "rid")
        obs, info = env.reset()
        self.assertIn("feedback", obs)
        self.assertTrue(inspect.iscoroutinefunction(env.step_async))
        out = env.step("[action] gibberish")
        self.assertEqual(len(out), 5)
        env.close()

    def test_no_create_kwarg_collides_with_the_tool_or_the_manager(self):
        for s in FIXTURES["sets"]:
            ck = s["episodes"][0]["create_kwargs"]
            for key in ("instance_id", "request_id", "max_turns", "model_name"):
                self.assertNotIn(key, ck)
            self.assertIn("id", ck)
            self.assertIn(ck["env_name"], ENV_NAMES)
        with self.assertRaises(TypeError):
            interact_create("rid", **{"instance_id": "x", "env_name": "InfoPOSandbox-intent"})

    def test_answer_and_search_without_their_verb(self):
        self.assertEqual(sandbox_action("travel", "[answer] palm"), "book palm")
        self.assertEqual(sandbox_action("travel", "[answer] book palm"), "book palm")
        self.assertEqual(sandbox_action("travel", "[search] beach cheap"), "search beach cheap")
        self.assertEqual(sandbox_action("intent", "[action] ask time ?"), "ask time ?")
        self.assertEqual(sandbox_action("20q", "[answer] fox"), "guess fox")
        self.assertEqual(sandbox_action("20q", "plain text"), "plain text")
        self.assertEqual(sandbox_action("code", "[finish]"), "")

    def test_train_rows_fork_the_user_by_request(self):
        ck = dict(self.first_episode(users_only=True)["create_kwargs"])
        ck["fork_user_by_request"] = True
        name = ck.pop("env_name")
        a, b, a2 = (make_env(name, request_id=rid, **ck) for rid in ("a", "b", "a"))
        self.assertNotEqual(a.episode.voice.rng.get_state(), b.episode.voice.rng.get_state())
        self.assertEqual(a.episode.voice.rng.get_state(), a2.episode.voice.rng.get_state())
        ck["fork_user_by_request"] = False
        c, d = (make_env(name, request_id=rid, **ck) for rid in ("a", "b"))
        self.assertEqual(c.episode.voice.rng.get_state(), d.episode.voice.rng.get_state())

    def test_bad_input_is_refused_with_one_clear_error(self):
        ck = dict(self.first_episode()["create_kwargs"])
        name = ck.pop("env_name")
        with self.assertRaisesRegex(ValueError, "must start with"):
            make_env("TurtleGym", **ck)
        with self.assertRaisesRegex(ValueError, "create_kwargs.family"):
            make_env("InfoPOSandbox-nosuch", **ck)
        del ck["hidden_json"]
        with self.assertRaisesRegex(ValueError, "lacks hidden_json"):
            make_env(name, **ck)


@unittest.skipUnless(os.environ.get("INFOPO_REFERENCE_ENV_MANAGER"), "set INFOPO_REFERENCE_ENV_MANAGER to the reference's verl/tools/env_manager.py")
class Registration(unittest.TestCase):
    def test_patch_applies_and_the_manager_builds_the_gym(self):
        src = os.environ["INFOPO_REFERENCE_ENV_MANAGER"]
        patch = os.path.join(HERE, "..", "env_manager.patch")
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "verl", "tools"))
            dst = os.path.join(d, "verl", "tools", "env_manager.py")
            shutil.copy(src, dst)
            subprocess.run(["patch", "-p1", "--forward", "-i", os.path.abspath(patch)], cwd=d, check=True, capture_output=True)
            namespace = {}
            with open(dst, encoding="utf-8") as f:
                exec(compile(f.read(), dst, "exec"), namespace)
            manager = namespace["EnvironmentManager"]()
            episode = FIXTURES["sets"][0]["episodes"][0]
            ck = dict(episode["create_kwargs"])
            env_name = ck.pop("env_name")
            manager.create_environment("rid", env_name, max_turns=99, model_name="m", **ck)
            env = manager.get_environment("rid")
            self.assertEqual(asyncio.run(env.step_async(episode["turns"][0]["tool"]))[0]["feedback"], episode["turns"][0]["feedback"])
            manager.release_environment("rid")


if __name__ == "__main__":
    unittest.main()
