"""Join several synthetic-speech manifests into one for ``tutor-train --synth``.

    python -m tutor.train.synth_merge OUT.jsonl ../cache/synth/manifest.jsonl \\
        ../cache/synth2/manifest.jsonl

Each input is a ``manifest.jsonl`` from :mod:`tutor.train.synth`; audio paths become
absolute so the merged file can live anywhere. Utterances without phone timings are left
out (training cannot use them), and an id met twice is an error: two runs with the same
seed made the same utterances, which would count them twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


class MergeError(ValueError):
    pass


def merge_manifests(
    out: Path, inputs: Sequence[Path], keep_untimed: bool = False
) -> tuple[int, int]:
    """Write ``out``; return (utterances written, utterances without timings left out).
    ``keep_untimed`` keeps those too (espeak-ng's: :mod:`tutor.train.distil_whisper`
    aligns them itself)."""
    seen: set[str] = set()
    lines: list[str] = []
    untimed = 0
    for manifest in inputs:
        if not manifest.is_file():
            raise MergeError(f"manifest not found: {manifest}")
        root = manifest.resolve().parent
        for n, line in enumerate(manifest.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                uid, audio = str(record["id"]), str(record["audio"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise MergeError(f"{manifest}:{n}: not a synth manifest line ({exc})") from exc
            if uid in seen:
                raise MergeError(f"{manifest}:{n}: id {uid!r} is already in an earlier manifest")
            seen.add(uid)
            if not record.get("segments") and not keep_untimed:
                untimed += 1
                continue
            record["audio"] = str(root / audio)
            lines.append(json.dumps(record))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines))
    return len(lines), untimed


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tutor.train.synth_merge", description=__doc__.split("\n")[0]
    )
    p.add_argument("out", type=Path, help="the merged manifest to write")
    p.add_argument("inputs", type=Path, nargs="+", help="manifest.jsonl files to join")
    p.add_argument(
        "--keep-untimed",
        action="store_true",
        help="keep the takes without phone timings (espeak-ng's), for distil_whisper --synth",
    )
    args = p.parse_args(argv)
    if args.out.resolve() in {i.resolve() for i in args.inputs}:
        p.error("the output must not be one of the inputs")
    try:
        written, untimed = merge_manifests(args.out, args.inputs, args.keep_untimed)
    except MergeError as exc:
        print(f"synth_merge: {exc}", file=sys.stderr)
        return 1
    kept = "utterances" if args.keep_untimed else "utterances with phone timings"
    print(f"{written} {kept} in {args.out} ({untimed} without left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
