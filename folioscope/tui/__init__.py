"""The Textual replayer behind ``folioscope play``.

It reads a :class:`~folioscope.replay.trace.Trace` and never runs the kernel
model itself (only ``source.build()`` does, on a variant switch or a reload).
Nothing outside this package imports it: the CLI imports ``folioscope.tui.app``
lazily, so the other commands never load Textual.
"""
