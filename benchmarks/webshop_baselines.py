"""WebShop baselines and speed: the scripted shopper and a random clicker, start time, steps per second.

    python benchmarks/webshop_baselines.py                       # 500 instructions, default catalog
    python benchmarks/webshop_baselines.py --games 200 --speed-products 3000 50000

Prints one line per measurement and writes benchmarks/results/webshop_baselines.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import urllib.request
from pathlib import Path

import numpy as np

from archer.envs.webshop import RandomClicker, ScriptedPlayer, WebShopEnv
from archer.envs.webshop.env import DEFAULT_PRODUCTS
from archer.envs.webshop.server import start_server
from archer.envs.webshop.store import get_store
from archer.rollout import play_scripted


def play(env: WebShopEnv, player, games: int, first: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rewards, turns = [], []
    for seed in range(first, first + games):
        game = play_scripted(env, player, seed)
        rewards.append(game.total_return)
        turns.append(len(game.turns))
    r = np.array(rewards)
    return {
        "mean_reward": float(r.mean()),
        "stderr": float(r.std(ddof=1) / np.sqrt(len(r))),
        "success_rate": float((r >= 1.0 - 1e-9).mean()),
        "mean_actions": float(np.mean(turns)),
    }


def speed(products: int, seconds: float = 5.0) -> dict[str, float]:
    """Server start (store built, listening, first page served) and in-process steps per second."""
    get_store.cache_clear()
    start, cpu = time.perf_counter(), time.process_time()
    server, url = start_server(get_store(products, 0))
    with urllib.request.urlopen(url + "/fixed_0") as response:
        response.read()
    build, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    server.shutdown()
    server.server_close()
    env, player = WebShopEnv(products=products), ScriptedPlayer(skill=0.5, seed=0)
    steps, seed, start, cpu = 0, 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        obs, _ = env.reset(seed=seed)
        while True:
            obs, _, terminated, truncated, _ = env.step(player.act(obs))
            steps += 1
            if terminated or truncated:
                break
        seed += 1
    # CPU seconds as well as wall seconds: on a shared machine the wall clock also counts other jobs.
    return {
        "products": products,
        "server_start_s": build,
        "server_start_cpu_s": build_cpu,
        "steps_per_s": steps / (time.perf_counter() - start),
        "steps_per_cpu_s": steps / (time.process_time() - cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=500)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--skills", type=float, nargs="*", default=[0.5, 0.9, 1.0])
    parser.add_argument("--speed-products", type=int, nargs="*", default=[DEFAULT_PRODUCTS, 50_000])
    parser.add_argument("--speed-only", action="store_true", help="only the start time and steps per second")
    args = parser.parse_args()
    results: dict[str, object] = {"machine": platform.platform(), "games": args.games, "products": DEFAULT_PRODUCTS}
    env = WebShopEnv()
    for skill in [] if args.speed_only else args.skills:
        row = play(env, ScriptedPlayer(skill=skill, seed=0), args.games, args.first_seed)
        results[f"scripted_skill_{skill}"] = row
        print(f"scripted skill {skill}: {row}", flush=True)
    if not args.speed_only:
        row = play(env, RandomClicker(env, seed=0), args.games, args.first_seed)
        results["random_clicker"] = row
        print(f"random clicker: {row}", flush=True)
    results["speed"] = []
    for products in args.speed_products:
        row = speed(products)
        results["speed"].append(row)  # type: ignore[union-attr]
        print(f"speed: {row}", flush=True)
    name = "webshop_speed.json" if args.speed_only else "webshop_baselines.json"
    out = Path(__file__).parent / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
