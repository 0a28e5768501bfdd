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

Linkable customers: a customer is linkable when its interactions are connected by shared
identifiers (interaction A and B linked when they share one; linked is transitive), counting as
identifiers both the posted ones and the emails and phones the customer stated as their own in
an interaction (the service links those, and merges customers whose identifiers meet). This
is computed from the generated data only (posted identifiers, and the values the generator had
the customer give), never from the service's answers. A customer that is not linkable has an
interaction no identifier-based service can attach to it (a chat carrying only a CRM id never
seen before, about a house move that states no email or phone), so it necessarily becomes a
new customer and the traits it carries (the new address) land there. The table is printed for
all customers (comparable with earlier rounds) and again for linkable customers only.
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

import phonenumbers  # noqa: E402
from datagen import traits as datagen_traits  # noqa: E402
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


_LINKING_TRAITS = ("email", "phone")  # stated values the service links as identifiers


def generate_with_stated(seed: int, customers: int) -> tuple[list[CustomerCase], dict[str, set[tuple[str, str]]]]:
    """The generated cases, and per interaction (external id) the customer's own emails and phones
    it states: the true values each `give` of the generator was about, not a slip it corrects.
    Observed by wrapping the generator's methods (no random draws added, so the cases are identical)."""
    stated: dict[str, set[tuple[str, str]]] = {}
    conv_cls = datagen_traits._Conversation
    original_give, original_interaction = conv_cls.give, datagen_traits._interaction

    def give(self: Any, trait: str, *args: Any, **kwargs: Any) -> None:
        original_give(self, trait, *args, **kwargs)
        if trait in _LINKING_TRAITS:
            self.__dict__.setdefault("_stated", set()).add(
                (trait, datagen_traits.normalise(trait, self.person.value(trait)))
            )

    def interaction(conv: Any, key: str, step: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
        out = original_interaction(conv, key, step, *args, **kwargs)
        stated[str(out["external_id"])] = set(conv.__dict__.get("_stated", set()))
        return out

    conv_cls.give = give  # type: ignore[method-assign]
    datagen_traits._interaction = interaction  # type: ignore[assignment]
    try:
        cases = generate(seed, customers)
    finally:
        conv_cls.give = original_give  # type: ignore[method-assign]
        datagen_traits._interaction = original_interaction
    return cases, stated


def _posted_identifier(ident: dict[str, str], region: str) -> tuple[str, str]:
    """A posted identifier in the generator's own normal form (email lower-case, phone E.164)."""
    type_, value = ident["type"], ident["value"]
    if type_ == "email":
        return type_, value.strip().lower()
    if type_ == "phone":
        number = phonenumbers.parse(value, region)
        return type_, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return type_, value.strip()


def linkable(case: CustomerCase, stated: dict[str, set[tuple[str, str]]]) -> bool:
    """The customer's interactions form one group when two interactions that share a posted or
    stated identifier count as linked (the service merges customers whose identifiers meet, so a
    later interaction posting the new email with the phone still joins an earlier one that only
    stated that email)."""
    groups: list[set[tuple[str, str]]] = []
    for interaction in case.interactions:
        region = str((interaction.get("metadata") or {}).get("region") or "US")
        own = {_posted_identifier(x, region) for x in interaction["customer"]["identifiers"]}
        own |= stated.get(str(interaction["external_id"]), set())
        touching = [g for g in groups if g & own]
        groups = [g for g in groups if not g & own] + [own.union(*touching)]
    return len(groups) == 1


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


@dataclass
class CaseResult:
    case: CustomerCase
    profile: dict[str, Any]
    customer_id: str
    one_customer: bool
    failed_interactions: int


def run_seed(client: MemoryClient, cases: list[CustomerCase], timeout: float) -> list[CaseResult]:
    """Posts step k of every customer, waits for all of them, then step k+1; then reads profiles."""
    posted_ids: dict[str, list[str]] = {case.key: [] for case in cases}
    failed: dict[str, int] = {case.key: 0 for case in cases}
    deadline = time.monotonic() + timeout
    for step in range(max(len(c.interactions) for c in cases)):
        posted = [(c, client.ingest(c.interactions[step])) for c in cases if step < len(c.interactions)]
        for case, accepted in posted:
            posted_ids[case.key].append(accepted.interaction_id)
            state = client.wait(accepted.interaction_id, timeout=max(1.0, deadline - time.monotonic()), poll=0.25)
            failed[case.key] += state.status != "done"
    results = []
    for case in cases:
        try:
            profile = client.profile(case.ref).model_dump(mode="json")
        except NotFound:
            profile = {}
        customer_id = str(profile.get("customer_id", ""))
        # Read the owners at the end: a service may merge customers after the post answered.
        # A customer id merged into the profile's customer counts as that customer.
        same_customer = {customer_id, *profile.get("merged_from", [])}
        owners = {client.status(iid).customer_id for iid in posted_ids[case.key]}
        results.append(CaseResult(case, profile, customer_id, bool(customer_id) and owners <= same_customer,
                                  failed[case.key]))  # fmt: skip
    return results


def score_results(results: list[CaseResult], keep: set[str] | None = None) -> SeedScore:
    """Scores the customers in `keep` (keys; all when None). "Sharing an id with another" still
    looks at every customer of the seed."""
    ids = [r.customer_id for r in results if r.customer_id]
    chosen = [r for r in results if keep is None or r.case.key in keep]
    score = SeedScore(customers=len(chosen))
    for r in chosen:
        score.failed_interactions += r.failed_interactions
        score.one_customer += r.one_customer
        score_case(score, r.case, r.profile)
        score.merged_with_other += bool(r.customer_id) and ids.count(r.customer_id) > 1
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
    linkable_scores: dict[str, SeedScore] = {}
    linkable_keys: dict[str, set[str]] = {}
    started = time.monotonic()
    for name in seeds:
        cases, stated = generate_with_stated(seed_of(name), args.customers)
        with running_service(args.url, args.api_key, concurrency=args.concurrency,
                             extra_env={"MEMORY_LOG_JSON": "false"}) as (url, key):  # fmt: skip
            print(f"seed {name}: {len(cases)} customers on {url}", file=sys.stderr)
            client = MemoryClient(url, key, timeout=60)
            try:
                results = run_seed(client, cases, args.timeout)
            finally:
                client.close()
        scores[name] = score_results(results)
        linkable_keys[name] = {c.key for c in cases if linkable(c, stated)}
        linkable_scores[name] = score_results(results, linkable_keys[name])
    print_table(f"Identity traits through the service ({args.customers} customers per seed, 4 interactions each)",
                ["metric", *scores], rows(scores))  # fmt: skip
    print_table("Linkable customers only (all their interactions connected by posted or stated emails, phones"
                " and CRM ids)", ["metric", *linkable_scores], rows(linkable_scores))  # fmt: skip
    print_table("Linkability (from the generated identifiers only)", ["customers", *scores],
                [["linkable", *(s.customers for s in linkable_scores.values())],
                 ["not linkable", *(scores[n].customers - linkable_scores[n].customers for n in scores)]])  # fmt: skip
    if args.by_source:
        print_table("Recall by how the current value was last given (hits/gold)", ["source", *scores],
                    source_rows(scores))  # fmt: skip
    if args.dump:
        with args.dump.open("w") as out:
            for name, score in scores.items():
                for miss in score.misses:
                    miss = {**miss, "linkable": miss["case"] in linkable_keys[name]}
                    out.write(json.dumps(miss, ensure_ascii=False) + "\n")
    print(f"\n({time.monotonic() - started:.0f}s)", file=sys.stderr)


if __name__ == "__main__":
    main()
