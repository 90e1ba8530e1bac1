"""A generated corpus of declaration files in many YAML spellings, for comparing parse paths.

Deterministic (seeded): the same corpus every run, so recorded expectations stay valid.
Every value is one ruamel.yaml and the YAML 1.2 core schema read the same way.
"""

from __future__ import annotations

import random
from pathlib import Path

PLAIN_SCALARS = [
    "enterprise", "mid-market", "NO", "yes", "off", "On", "y", "n", "Oslo", "São Paulo", "東京", "a: b".replace(": ", "-"),
    "42", "-7", "+3", "0", "007", "0o17", "0x1F", "3.25", "-0.5", "1e3", "2.5E-3", ".5", "5.", "1.",
    "true", "True", "FALSE", "null", "~", "Null", "2026-03-01", "2026-03-01T10:00:00Z",
    "2026-03-01 10:00:00", "2026-01-31T09:00:00+01:00", "2026-03-01T10:00:00.25-05:30", "12:30",
    "https://example.com/a?b=c#d", "mem_cm1abc123def456", "account.x", "9007199254740991",
]
QUOTED_SCALARS = ["'42'", '"true"', "'NO'", '"line\\nbreak"', "'it''s'", '"tab\\tand \\u00e9"', '""', "'null'", '"2026-03-01"']
BLOCK_SCALARS = ["|\n{i}first line\n{i}second line\n", ">\n{i}folded\n{i}text\n\n{i}para\n", "|-\n{i}kept\n", ">+\n{i}keep\n\n"]


def scalar(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.7:
        return rng.choice(PLAIN_SCALARS)
    return rng.choice(QUOTED_SCALARS)


def flow_value(rng: random.Random, depth: int = 0) -> str:
    kind = rng.random()
    if depth < 2 and kind < 0.15:
        return "[" + ", ".join(flow_value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    if depth < 2 and kind < 0.3:
        keys = rng.sample(["city", "country", "street", "zip", "n"], rng.randint(1, 3))
        return "{" + ", ".join(f"{key}: {flow_value(rng, depth + 1)}" for key in keys) + "}"
    return scalar(rng)


def field_lines(rng: random.Random, indent: str) -> list[str]:
    lines = []
    for number in range(rng.randint(1, 6)):
        key = rng.choice(["tier", "icp-score", "renewalDate", "notes", "region", "$website", "$industry", "score", "flag"])
        key = f"{key}{number}"
        style = rng.random()
        if style < 0.6:
            lines.append(f"{indent}{key}: {flow_value(rng)}")
        elif style < 0.75:
            lines.append(f"{indent}{key}:")
            lines += [f"{indent}  - {scalar(rng)}" for _ in range(rng.randint(1, 3))]
        elif style < 0.85:
            lines.append(f"{indent}{key}:")
            lines += [f"{indent}  {sub}: {scalar(rng)}" for sub in rng.sample(["city", "country", "zip"], 2)]
        elif style < 0.95:
            block = rng.choice(BLOCK_SCALARS).format(i=indent + "  ")
            lines.append(f"{indent}{key}: {block.rstrip(chr(10))}")
        else:
            lines.append(f"{indent}{key}:  # nothing yet")
    return lines


def account_lines(rng: random.Random, key: str, others: list[str]) -> list[str]:
    name = rng.choice(["Acme", "Globex", "Initech", "Umbrella", "NO", "Ünïcode Ltd", "'quoted: name'", '"Tab\\tCo"'])
    lines = [f"  {key}:  # account {key}" if rng.random() < 0.2 else f"  {key}:"]
    if rng.random() < 0.15:
        lines.append(f"    fields: {{$name: {name}, tier: {scalar(rng)}}}")
    else:
        lines.append("    fields:")
        lines.append(f"      $name: {name}")
        lines += field_lines(rng, "      ")
    if others and rng.random() < 0.6:
        lines.append("    relationships:")
        targets = [f"account.{other}" for other in rng.sample(others, min(len(others), rng.randint(1, 3)))]
        lines.append(f"      parentAccount: {targets[0]}")
        if rng.random() < 0.5:
            lines.append(f"      $contact: [con_c{rng.randint(1, 99)}, {', '.join(targets[1:]) or 'con_x1'}]")
        if rng.random() < 0.3:
            lines.append("      $owner:")
            lines.append("        - mem_cm1abc123def456")
    choice = rng.random()
    if choice < 0.2:
        lines.append("    skip_enrichment: true")
    elif choice < 0.3:
        lines.append("    skip_enrichment: False")
    return lines


def anchored_file(index: int) -> str:
    """Anchors, aliases and merge keys, which ruamel.yaml has always accepted."""
    return f"""\
accounts:
  shared-{index}:
    fields: &defaults{index}
      $name: Shared {index}
      tier: &tier{index} enterprise
      $website: [https://shared{index}.example]
  merged-{index}:
    fields:
      <<: *defaults{index}
      $name: Merged {index}
      region: *tier{index}
  listed-{index}:
    fields:
      <<: [*defaults{index}, {{extra: 1, tier: ignored}}]
      $name: Listed {index}
"""


def write_corpus(root: Path, files: int = 12, accounts_per_file: int = 15, seed: int = 8) -> list[Path]:
    """Write the corpus under `root`; returns the files written."""
    rng = random.Random(seed)
    written = []
    keys = [f"acct-{number:03d}" for number in range(files * accounts_per_file)]
    for file_number in range(files):
        lines = [f"# generated file {file_number}", "accounts:"]
        mine = keys[file_number * accounts_per_file : (file_number + 1) * accounts_per_file]
        for position, key in enumerate(mine):
            lines += account_lines(rng, key, keys[: file_number * accounts_per_file + position])
        text = "\n".join(lines) + "\n"
        data = text.encode("utf-8")
        if file_number == 1:
            data = b"\xef\xbb\xbf" + data  # a byte order mark
        if file_number == 2:
            data = data.replace(b"\n", b"\r\n")  # Windows line endings
        path = root / f"part-{file_number:02d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    for index in range(2):
        path = root / "anchors" / f"anchored-{index}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(anchored_file(index), encoding="utf-8")
        written.append(path)
    return written
