"""Checks every claim of the mapping data against the installed torch and mindspore; prints the problems as JSON.

Usage (from the repository root): python -m tests.mappings.verify_installed [--mappings-dir DIR]...

For each directory (default: the repository's `mappings/`) it checks:

- `signatures.json` is what introspecting the installed packages gives now (names, existence, signatures;
  the mint CPU probes are re-run and their verdicts compared);
- every entry of `torch_to_mindspore/*.json`: the torch API and each counterpart exist exactly when the
  entry says so; every parameter named exists in the installed signature (or is recorded missing, or is
  the method's receiver); every default recorded equals the installed one; a parameter recorded as
  one-sided is still absent on the other side; behaviour checks hold (a Cell starts in inference mode, a
  Module in training mode); a false friend still has the signature recorded; renames recorded as
  corrections still hold; the `verified` versions are the installed ones.

It prints one line `VERIFY-JSON {...}`: per directory, the problems and how many claims were checked.
This file runs in a subprocess only: the test process never imports torch or mindspore.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from msmigrate.mappings.store import ENTRIES_SUBDIR, INDEX_FILE, SIGNATURES_FILE
from tools.build_mappings import SIDE_KEY, ApiFacts, find_param, locate
from tools.introspect_signatures import (
    MISSING,
    describe,
    introspect,
    prepare_runtime,
    probe_cpu,
    probe_tensors,
    resolve,
)
from tools.mapping_common import MAPPINGS_DIR, SigParam, parse_signature

CPU_FIELDS = ("cpu", "cpu_probe")


class Verifier:
    def __init__(self, live_signatures: dict[str, Any], live_cpu: dict[str, bool | None]) -> None:
        self.live = live_signatures
        self.live_cpu = live_cpu
        self.facts_cache: dict[str, ApiFacts] = {}
        self.problems: list[str] = []
        self.checked: Counter[str] = Counter()

    def facts(self, api: str) -> ApiFacts:
        if api not in self.facts_cache:
            record = self.live["apis"].get(api) or describe(api)
            self.facts_cache[api] = ApiFacts(api, record.get("exists"), record)
        return self.facts_cache[api]

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    # ------------------------------------------------------------------ signatures.json

    def check_signatures(self, recorded: dict[str, Any]) -> None:
        for key in ("versions", "mint_namesakes"):
            self.checked["signature_file_fields"] += 1
            if recorded.get(key) != self.live[key]:
                self.problem("signatures.json", f"{key} is stale (recorded {recorded.get(key)!r:.200})")
        recorded_apis = recorded.get("apis", {})
        for api in sorted(set(recorded_apis) | set(self.live["apis"])):
            self.checked["signature_records"] += 1
            stored = {k: v for k, v in recorded_apis.get(api, {}).items() if k not in CPU_FIELDS}
            if stored != self.live["apis"].get(api):
                self.problem(
                    f"signatures.json {api}", f"recorded {stored} but installed gives {self.live['apis'].get(api)}"
                )
            if "cpu" in recorded_apis.get(api, {}):
                self.check_cpu(f"signatures.json {api}", api, recorded_apis[api]["cpu"])

    def check_cpu(self, where: str, api: str, recorded: bool | None) -> None:
        self.checked["cpu_verdicts"] += 1
        if api not in self.live_cpu:
            self.problem(where, "records a CPU verdict for an API that is not probed")
        elif self.live_cpu[api] != recorded:
            self.problem(where, f"records cpu={recorded} but the probe now gives {self.live_cpu[api]}")

    # ------------------------------------------------------------------ entries

    def check_entry(self, entry: dict[str, Any], verified: dict[str, str]) -> None:
        torch_api = entry["torch"]
        self.checked["entries"] += 1
        torch_facts = self.facts(torch_api)
        self.check_exists(torch_api, torch_api, entry.get("torch_exists"))
        for correction in entry.get("corrections", ()):
            self.check_correction(torch_api, correction)
        mindspore = entry.get("mindspore", {})
        counterparts = [mindspore.get("current"), *mindspore.get("legacy", ()), mindspore.get("mint_namesake")]
        for counterpart in filter(None, counterparts):
            api = counterpart["api"]
            where = f"{torch_api} -> {api}"
            self.check_exists(where, api, counterpart.get("exists"))
            if "cpu" in counterpart:
                self.check_cpu(where, api, counterpart["cpu"])
            ms_facts = self.facts(api)
            for record in counterpart.get("params", ()):
                self.check_param(where, record, torch_facts, ms_facts)
        for friend in entry.get("false_friends", ()):
            self.check_false_friend(torch_api, friend)
        if verified != self.live["versions"]:
            self.problem(torch_api, f"verified against {verified}, installed {self.live['versions']}")

    def check_exists(self, where: str, api: str, recorded: bool | None) -> None:
        self.checked["apis"] += 1
        live = self.facts(api).exists
        if live != recorded:
            self.problem(where, f"{api} exists={recorded} recorded, installed says {live}")

    def check_correction(self, where: str, correction: dict[str, Any]) -> None:
        if correction["what"] != "api_renamed":
            return  # the other corrections are re-checked through the parameter records
        self.checked["corrections"] += 1
        if self.facts(correction["installed"]).exists is not True or self.facts(correction["doc"]).exists is not False:
            self.problem(where, f"rename {correction['doc']} -> {correction['installed']} no longer holds")

    def check_param(self, where: str, record: dict[str, Any], torch_facts: ApiFacts, ms_facts: ApiFacts) -> None:
        if record["kind"] == "behaviour":
            if record.get("check") == "starts_in_inference_mode":
                self.check_training_flags(where, torch_facts.name, ms_facts.name)
            return
        prefer_call = record.get("where") == "call"
        for side, facts in (("torch", torch_facts), ("mindspore", ms_facts)):
            key = SIDE_KEY[side]
            name = record.get(side)
            if not name:
                continue
            label = f"{where} [{record['kind']}] {side} parameter {name}"
            _, found = locate(facts, name, prefer_call)
            self.checked["parameters"] += 1
            if record.get(f"{key}_is_self"):
                if found is not False:
                    self.problem(label, "recorded as the method's receiver, but the signature has it")
            elif record.get(f"{key}_missing"):
                if found is not False:
                    self.problem(label, "recorded missing, but the installed signature has it")
            elif found is False:
                self.problem(label, f"not in the installed signature of {facts.name}")
            elif isinstance(found, SigParam) and f"{key}_default" in record:
                self.checked["defaults"] += 1
                if found.default != record[f"{key}_default"]:
                    self.problem(label, f"default {record[f'{key}_default']!r} recorded, installed {found.default!r}")
        # One-sided parameters must still be absent on the other side: in the same place (constructor or
        # call) for differences read from the signatures, anywhere for those the docs state.
        for side, other, facts in (("torch", "mindspore", ms_facts), ("mindspore", "torch", torch_facts)):
            name = record.get(side)
            if record["kind"] in ("torch_only", "ms_only") and name and not record.get(other):
                self.checked["one_sided"] += 1
                if record.get("source") == "introspection" and record.get("where") in ("init", "call"):
                    found = find_param(facts.call if record["where"] == "call" else facts.init, name)
                else:
                    _, found = locate(facts, name, prefer_call)
                if isinstance(found, SigParam):
                    self.problem(f"{where} [{record['kind']}] {name}", f"{facts.name} now has a parameter {name}")

    def check_training_flags(self, where: str, torch_api: str, ms_api: str) -> None:
        self.checked["behaviour"] += 1
        for api, expected in ((ms_api, False), (torch_api, True)):
            cls, _ = resolve(api)
            if cls is MISSING or not inspect.isclass(cls):
                self.problem(where, f"behaviour check needs the class {api}")
                continue
            required = [
                p
                for p in inspect.signature(cls).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            instance = cls(*[2] * len(required))
            if instance.training is not expected:
                self.problem(where, f"{api}() starts with training={instance.training}, recorded {expected}")

    def check_false_friend(self, where: str, friend: dict[str, Any]) -> None:
        self.checked["false_friends"] += 1
        facts = self.facts(friend["api"])
        overloads = facts.init or []
        expected = parse_signature(friend["expect_signature"])
        if not any(overload == expected for overload in overloads):
            self.problem(
                where, f"false friend {friend['api']} no longer has the signature {friend['expect_signature']}"
            )


def verify(directory: Path, live: dict[str, Any], live_cpu: dict[str, bool | None]) -> dict[str, Any]:
    verifier = Verifier(live, live_cpu)
    signatures_path = directory / SIGNATURES_FILE
    verifier.check_signatures(json.loads(signatures_path.read_text(encoding="utf-8")))
    files = sorted(path for path in (directory / ENTRIES_SUBDIR).glob("*.json") if path.name != INDEX_FILE)
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data.get("entries", ()):
            verifier.check_entry(entry, data["verified"])
        for item in data.get("mindspore_only", ()):
            verifier.check_exists(f"mindspore_only {item['api']}", item["api"], item.get("exists"))
    if not files:
        verifier.problem(str(directory), "no entry files")
    return {"problems": verifier.problems, "checked": dict(verifier.checked)}


def live_cpu_verdicts(live: dict[str, Any]) -> dict[str, bool | None]:
    """Probe every mint API the live signature data lists as probe-worthy (fast: tiny CPU tensors)."""
    tensors = probe_tensors()
    verdicts: dict[str, bool | None] = {}
    for api, record in live["apis"].items():
        if api.startswith("mindspore.mint.") and record.get("exists") and record.get("kind") != "module":
            obj, _ = resolve(api)
            verdicts[api], _ = probe_cpu(api, obj, tensors)
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mappings-dir", action="append", type=Path, help="default: the repository's mappings/")
    args = parser.parse_args(argv)
    directories: list[Path] = args.mappings_dir or [MAPPINGS_DIR]
    prepare_runtime()
    live = introspect(None, run_probes=False)
    live_cpu = live_cpu_verdicts(live)
    results = {str(directory): verify(directory, copy.deepcopy(live), live_cpu) for directory in directories}
    print("VERIFY-JSON " + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
