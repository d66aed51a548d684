"""Saved traces carry pins, dma_pinned and vma_maps (docs/trace-format.md);
traces written before them lack them and still load."""

from __future__ import annotations

import json

import pytest

from folioscope.dsl import parse_text
from folioscope.replay import run_scenario
from folioscope.views import json_trace, trace_schema

SCENARIO = "folio F anon\nfolio L anon order=2 vma_maps=part\ncpu0 pin F\n"


def _doc() -> dict:
    return json.loads(json_trace.dump(run_scenario(parse_text(SCENARIO), "v6.18")))


def test_new_fields_are_written_and_valid():
    doc = _doc()
    assert doc["initial"]["folio.L.vma_maps"] == "part"
    assert doc["initial"]["folio.F.dma_pinned"] is False
    trace_schema.validate(doc)


def test_older_traces_without_them_load():
    doc = _doc()
    for key in [k for k in doc["initial"] if k.rsplit(".", 1)[-1] in trace_schema.LATER_FIELDS]:
        del doc["initial"][key]
    for step in doc["steps"]:
        step["changes"] = [c for c in step["changes"]
                           if c["key"].rsplit(".", 1)[-1] not in trace_schema.LATER_FIELDS]
    trace_schema.validate(doc)


@pytest.mark.parametrize("key,value", [("folio.F.dma_pinned", 1), ("folio.L.vma_maps", "halfway"),
                                       ("folio.F.pins", -1)])
def test_bad_values_are_rejected(key, value):
    doc = _doc()
    doc["initial"][key] = value
    with pytest.raises(trace_schema.TraceFormatError):
        trace_schema.validate(doc)
