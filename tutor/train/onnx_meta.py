"""Metadata of an ONNX model in memory: the one place that sets keys (others kept)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import onnx


def update_metadata(model: onnx.ModelProto, metadata: Mapping[str, object]) -> None:
    """Set ``metadata`` on ``model`` (non-strings as JSON), keeping every other key."""
    existing = {p.key: p for p in model.metadata_props}
    for key, value in metadata.items():
        text = value if isinstance(value, str) else json.dumps(value)
        if key in existing:
            existing[key].value = text
        else:
            model.metadata_props.add(key=key, value=text)
