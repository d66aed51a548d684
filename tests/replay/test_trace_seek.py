"""state_at(k) is the state after step k whichever way it is reached: from
a checkpoint below, from one above, across runs of steps that changed
nothing."""

from __future__ import annotations

import random

from folioscope.dsl import parse_text
from folioscope.replay import run_scenario
from folioscope.replay.trace import apply_changes

SOURCE = """\
cpus 3
folio F1..F40 anon
folio G file
repeat 30 {
  cpu0 activate F1..F40
  cpu1 drain
  cpu0 drain
  repeat 20 { cpu2 drain }
  cpu1 mlock G
  cpu2 drain all
  cpu0 deactivate F1..F40
}
"""


def test_every_step_seeks_to_the_state_replay_gives():
    trace = run_scenario(parse_text(SOURCE))
    expected = [trace.state_at(0)]
    state = dict(expected[0])
    for step in trace.steps[1:]:
        apply_changes(state, step.changes)
        expected.append(dict(state))
    assert len(trace._checkpoints) > 3          # several checkpoints to choose from
    order = list(range(len(trace.steps)))
    random.Random(1).shuffle(order)
    for k in order:
        assert trace.state_at(k) == expected[k], k


def test_steps_that_change_nothing_cost_no_checkpoint():
    trace = run_scenario(parse_text("folio F anon\nrepeat 5000 { cpu0 drain }\n"))
    assert len(trace._checkpoints) == 1 and trace.last == 5000
    assert trace.state_at(2500) == trace.state_at(0)
