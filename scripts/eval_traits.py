"""Score identity traits (name, email, phone, address) through the running service.

Generates customers with scripts/datagen/traits.py (four interactions each: first contact,
a move, a new email, a follow-up identified by phone + new email), posts them over HTTP in
order (each step waits for the previous one to be done), reads every customer's profile
(GET /v1/customers/{ref}/profile) and scores, per trait:
  recall      the gold current value is among the profile's current values;
  precision   of the current values shown, the share that are the gold one (a superseded
              value, a distractor such as a spouse's email or a store's phone, or anything
              else shown as current is a false positive);
  superseded never current   share of customers with superseded values for the trait
              (an old address, a corrected slip) where none of them is shown as current;
and per customer: all of its interactions landed on one customer_id (phone + new email
resolve to one customer), and no two gold customers share a customer_id.

Values are compared after a normalisation of formatting only (see `same`): case, accents,
punctuation and spacing; names also ignore a leading title and treat hyphens as spaces;
addresses also map abbreviations (St/Street, Apt/#/Unit/Flat, Ste/Suite), state and province
names to codes, and drop a trailing country. Phones must match E.164 exactly and emails
case-insensitively: normalising them is the service's job.

By default each seed gets its own `memory-service up` (temp data dir, free port) so the seeds
never share a tenant; --url/--api-key use a running service instead (then give each seed a
fresh tenant yourself).

    python scripts/eval_traits.py --seeds dev,held-out --customers 40
    python scripts/eval_traits.py --seeds dev,held-out --customers 40 --by-source   # recall per kind/channel
    python scripts/eval_traits.py --seeds dev --customers 20 --dump /tmp/misses.jsonl   # dev only

The held-out seed is for the aggregate table only: --dump refuses it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from datagen.traits import HELD_OUT_SEED, TRAITS, CustomerCase, generate, seed_of  # noqa: E402
from service_harness import print_table, running_service  # noqa: E402

from memory_service.client import MemoryClient, NotFound  # noqa: E402

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"}
_WORDS = {"st": "street", "ave": "avenue", "av": "avenue", "rd": "road", "ln": "lane", "dr": "drive", "ct": "court",
          "blvd": "boulevard", "pl": "place", "cres": "crescent", "gdns": "gardens", "terr": "terrace",
          "ter": "terrace", "cl": "close", "gr": "grove", "hwy": "highway", "pkwy": "parkway", "apt": "unit",
          "apartment": "unit", "flat": "unit", "#": "unit", "no": "unit", "ste": "suite", "n": "north",
          "s": "south", "e": "east", "w": "west"}  # fmt: skip
_REGIONS = {"alabama": "al", "alaska": "ak", "arizona": "az", "arkansas": "ar", "california": "ca", "colorado": "co",
            "connecticut": "ct", "delaware": "de", "florida": "fl", "georgia": "ga", "hawaii": "hi", "idaho": "id",
            "illinois": "il", "indiana": "in", "iowa": "ia", "kansas": "ks", "kentucky": "ky", "louisiana": "la",
            "maine": "me", "maryland": "md", "massachusetts": "ma", "michigan": "mi", "minnesota": "mn",
            "mississippi": "ms", "missouri": "mo", "montana": "mt", "nebraska": "ne", "nevada": "nv",
            "new hampshire": "nh", "new jersey": "nj", "new mexico": "nm", "new york": "ny", "north carolina": "nc",
            "north dakota": "nd", "ohio": "oh", "oklahoma": "ok", "oregon": "or", "pennsylvania": "pa",
            "rhode island": "ri", "south carolina": "sc", "south dakota": "sd", "tennessee": "tn", "texas": "tx",
            "utah": "ut", "vermont": "vt", "virginia": "va", "washington": "wa", "west virginia": "wv",
            "wisconsin": "wi", "wyoming": "wy", "district of columbia": "dc", "ontario": "on", "quebec": "qc",
            "british columbia": "bc", "alberta": "ab", "manitoba": "mb", "saskatchewan": "sk", "nova scotia": "ns",
            "new brunswick": "nb", "newfoundland and labrador": "nl", "prince edward island": "pe"}  # fmt: skip
_COUNTRIES = ("united states of america", "united states", "usa", "us", "canada", "united kingdom", "uk", "england",
              "scotland", "wales", "great britain", "gb")  # fmt: skip


def _plain(text: str) -> str:
    """Case, accents and punctuation away; '#' kept as a word (it means a unit number)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'")
    text = re.sub(r"#", " # ", text.replace("'", ""))
    return re.sub(r"[^\w#]+", " ", text).strip()


def norm_name(text: str) -> str:
    words = _plain(text.replace("-", " ")).split()
    while words and words[0] in _TITLES:
        words = words[1:]
    return " ".join(words)


def norm_address(text: str) -> str:
    text = " " + _plain(text) + " "
    for name, code in sorted(_REGIONS.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(f" {name} ", f" {code} ")
    words = [_WORDS.get(w, w) for w in text.split()]
    joined = " ".join(words)
    for country in _COUNTRIES:
        if joined.endswith(" " + country):
            joined = joined[: -len(country) - 1]
            break
    return joined


def same(trait: str, shown: str, gold: str) -> bool:
    if trait == "name":
        return norm_name(shown) == norm_name(gold)
    if trait == "email":
        return shown.strip().casefold().removeprefix("mailto:") == gold.casefold()
    if trait == "phone":
        return re.sub(r"[^\d+]", "", shown) == gold
    return norm_address(shown) == norm_address(gold)


def _as_text(value: Any) -> str:
    """A structured value (an address dict) is read as its formatted text, else its parts in order."""
    if isinstance(value, dict):
        for key in ("text", "formatted", "value", "full"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return ", ".join(str(v) for v in value.values() if v)
    return str(value)


def shown_values(profile: dict[str, Any], trait: str) -> list[str]:
    """The current values the profile shows for a trait (a list counts as several)."""
    entry = (profile.get("traits") or {}).get(trait)
    if entry is None:
        fallback = profile.get(trait) if trait == "name" else None
        return [str(fallback)] if fallback else []
    value = entry.get("value") if isinstance(entry, dict) else entry
    values = value if isinstance(value, list) else [value]
    return [_as_text(v) for v in values if v not in (None, "")]


@dataclass
class TraitScore:
    gold: int = 0
    hits: int = 0
    shown: int = 0
    correct_shown: int = 0
    superseded_shown: int = 0
    distractor_shown: int = 0
    with_superseded: int = 0
    superseded_clean: int = 0
    by_region: dict[str, list[int]] = field(default_factory=dict)  # region -> [hits, gold]
    by_source: dict[str, list[int]] = field(default_factory=dict)  # "kind/style" -> [hits, gold]


@dataclass
class SeedScore:
    traits: dict[str, TraitScore] = field(default_factory=lambda: {t: TraitScore() for t in TRAITS})
    customers: int = 0
    one_customer: int = 0
    merged_with_other: int = 0
    failed_interactions: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)


def score_case(score: SeedScore, case: CustomerCase, profile: dict[str, Any]) -> None:
    for trait in TRAITS:
        s, gold = score.traits[trait], case.current[trait]
        shown = shown_values(profile, trait)
        old, others = case.superseded.get(trait, []), case.distractors.get(trait, [])
        hit = any(same(trait, v, gold) for v in shown)
        s.gold += 1
        s.hits += hit
        s.shown += len(shown)
        s.correct_shown += sum(same(trait, v, gold) for v in shown)
        stale = sum(any(same(trait, v, o) for o in old) for v in shown)
        s.superseded_shown += stale
        s.distractor_shown += sum(any(same(trait, v, d) for d in others) for v in shown)
        if old:
            s.with_superseded += 1
            s.superseded_clean += stale == 0
        source = s.by_source.setdefault(case.current_from.get(trait, "?"), [0, 0])
        source[0], source[1] = source[0] + hit, source[1] + 1
        if trait == "phone":
            s.by_region.setdefault(case.region, [0, 0])
            s.by_region[case.region][0] += hit
            s.by_region[case.region][1] += 1
        if not hit or len(shown) != 1:
            score.misses.append({"case": case.key, "trait": trait, "gold": gold, "shown": shown,
                                 "superseded": old, "distractors": others, "phrasings": case.phrasings})  # fmt: skip


def run_seed(client: MemoryClient, cases: list[CustomerCase], timeout: float) -> SeedScore:
    """Posts step k of every customer, waits for all of them, then step k+1; then scores."""
    score = SeedScore(customers=len(cases))
    posted_ids: dict[str, list[str]] = {case.key: [] for case in cases}
    deadline = time.monotonic() + timeout
    for step in range(max(len(c.interactions) for c in cases)):
        posted = [(c, client.ingest(c.interactions[step])) for c in cases if step < len(c.interactions)]
        for case, accepted in posted:
            posted_ids[case.key].append(accepted.interaction_id)
            state = client.wait(accepted.interaction_id, timeout=max(1.0, deadline - time.monotonic()), poll=0.25)
            score.failed_interactions += state.status != "done"
    final: dict[str, str] = {}
    for case in cases:
        try:
            profile = client.profile(case.ref).model_dump(mode="json")
        except NotFound:
            profile = {}
        final[case.key] = str(profile.get("customer_id", ""))
        # Read the owners at the end: a service may merge customers after the post answered.
        # A customer id merged into the profile's customer counts as that customer.
        same_customer = {final[case.key], *profile.get("merged_from", [])}
        owners = {client.status(iid).customer_id for iid in posted_ids[case.key]}
        score.one_customer += bool(final[case.key]) and owners <= same_customer
        score_case(score, case, profile)
    ids = [cid for cid in final.values() if cid]
    score.merged_with_other = sum(ids.count(cid) > 1 for cid in ids)
    return score


def rows(scores: dict[str, SeedScore]) -> list[list[object]]:
    def ratio(a: int, b: int) -> object:
        return a / b if b else "-"

    out: list[list[object]] = []
    for trait in TRAITS:
        out.append([f"{trait} recall", *(ratio(s.traits[trait].hits, s.traits[trait].gold) for s in scores.values())])
        precision = (ratio(s.traits[trait].correct_shown, s.traits[trait].shown) for s in scores.values())
        out.append([f"{trait} precision", *precision])
        out.append([f"{trait} superseded never current",
                    *(ratio(s.traits[trait].superseded_clean, s.traits[trait].with_superseded)
                      for s in scores.values())])  # fmt: skip
        out.append([f"{trait} superseded/distractor shown",
                    *(f"{s.traits[trait].superseded_shown}/{s.traits[trait].distractor_shown}"
                      for s in scores.values())])  # fmt: skip
    regions = sorted({r for s in scores.values() for r in s.traits["phone"].by_region})
    for region in regions:
        out.append([f"phone recall, {region} customers",
                    *(ratio(*s.traits["phone"].by_region.get(region, [0, 0])) for s in scores.values())])  # fmt: skip
    out.append(["phone + new email -> one customer", *(ratio(s.one_customer, s.customers) for s in scores.values())])
    out.append(["customers sharing an id with another", *(s.merged_with_other for s in scores.values())])
    out.append(["interactions not done", *(s.failed_interactions for s in scores.values())])
    out.append(["customers", *(s.customers for s in scores.values())])
    return out


def source_rows(scores: dict[str, SeedScore]) -> list[list[object]]:
    """Recall by how the current value was last given: the phrasing's kind and the channel style
    (v voice, c chat, s SMS, e email). Aggregates only, so fine for the held-out seed too."""
    out: list[list[object]] = []
    for trait in TRAITS:
        sources = sorted({k for s in scores.values() for k in s.traits[trait].by_source})
        for source in sources:
            cells = [s.traits[trait].by_source.get(source) for s in scores.values()]
            out.append([f"{trait} <- {source}", *(f"{c[0]}/{c[1]}" if c else "-" for c in cells)])
    return out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="dev,held-out", help="comma list of dev, held-out or integers")
    parser.add_argument("--customers", type=int, default=40, help="customers per seed (4 interactions each)")
    parser.add_argument("--url", help="use this running service instead of starting one per seed")
    parser.add_argument("--api-key", help="key for --url (default MEMORY_API_KEY)")
    parser.add_argument("--concurrency", type=int, default=1, help="worker concurrency of the service started here")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for one seed's interactions")
    parser.add_argument("--by-source", action="store_true", help="also recall by phrasing kind and channel style")
    parser.add_argument("--dump", type=Path, help="write the misses (JSON lines); refused for the held-out seed")
    return parser.parse_args()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args = parse_args()
    seeds = [s.strip() for s in args.seeds.split(",") if s.strip()]
    if args.dump and any(seed_of(s) == HELD_OUT_SEED for s in seeds):
        sys.exit("--dump reads examples one by one: not allowed on the held-out seed")
    scores: dict[str, SeedScore] = {}
    started = time.monotonic()
    for name in seeds:
        cases = generate(seed_of(name), args.customers)
        with running_service(args.url, args.api_key, concurrency=args.concurrency,
                             extra_env={"MEMORY_LOG_JSON": "false"}) as (url, key):  # fmt: skip
            print(f"seed {name}: {len(cases)} customers on {url}", file=sys.stderr)
            client = MemoryClient(url, key, timeout=60)
            try:
                scores[name] = run_seed(client, cases, args.timeout)
            finally:
                client.close()
    print_table(f"Identity traits through the service ({args.customers} customers per seed, 4 interactions each)",
                ["metric", *scores], rows(scores))  # fmt: skip
    if args.by_source:
        print_table("Recall by how the current value was last given (hits/gold)", ["source", *scores],
                    source_rows(scores))  # fmt: skip
    if args.dump:
        with args.dump.open("w") as out:
            for score in scores.values():
                for miss in score.misses:
                    out.write(json.dumps(miss, ensure_ascii=False) + "\n")
    print(f"\n({time.monotonic() - started:.0f}s)", file=sys.stderr)


if __name__ == "__main__":
    main()
