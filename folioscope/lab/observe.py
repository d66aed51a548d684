"""The agent's output, read back into the model's terms.

The agent prints raw facts (PFNs, /proc/kpageflags words, refcounts, batch
entries as PFN:tag); this module names them as the flat state of
docs/trace-format.md does (``folio.F.refcount``, ``cpu1.mlock`` ...), so the
report can put the model and the kernel side by side key by key.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field

# /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h)
KPF = {"referenced": 2, "dirty": 4, "lru": 5, "active": 6, "writeback": 8, "reclaim": 9,
       "swapbacked": 14, "unevictable": 18, "mlocked": 33}
COMPARED_FLAGS = ("lru", "active", "referenced", "unevictable", "mlocked", "swapbacked", "dirty")
"""Flags held against the model, in the model's order (trace-format.md).
Left out: writeback and reclaim (nothing the lab routes sets them; PG_reclaim
is PG_readahead's bit).  PG_dirty is compared: the model moves an anonymous
pte's dirty bit to the folio when migration unmaps it (try_to_migrate_one)."""
MOVE_BATCHES = ("lru_move_tail", "lru_deactivate_file", "lru_deactivate", "lru_lazyfree", "lru_activate")

MLOCK_TAGS = {0: "munlock", 1: "lru", 2: "new"}   # mm/mlock.c: LRU_FOLIO 0x1, NEW_FOLIO 0x2
BATCH_NAMES = {"activate": "lru_activate"}          # v6.1's cpu_fbatches member name


@dataclass
class Observation:
    """What the agent saw after one step of one run."""

    result: int = 0
    folios: dict[str, dict] = field(default_factory=dict)     # "i.h" -> raw fields
    mapped: dict[int, int] = field(default_factory=dict)      # folio index -> PFN (0: none)
    batches: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # "cpuN.B" -> (pfn, tag)
    functions: list[str] = field(default_factory=list)        # ftrace lines


@dataclass
class GuestOutput:
    """Everything one boot printed."""

    zones: dict[str, dict[str, int]] = field(default_factory=dict)
    layout: str = ""
    runs: list[dict[int, Observation]] = field(default_factory=list)
    fatal: str = ""
    done: bool = False
    setup_failures: list[str] = field(default_factory=list)


def parse_output(text: str) -> GuestOutput:
    """Parse the ``@@`` lines of the agent's serial output."""
    out = GuestOutput()
    current: Observation | None = None
    for raw in text.splitlines():
        line = raw.strip("\r\0 ")
        if not line.startswith("@@ "):
            continue
        word, _, rest = line[3:].partition(" ")
        parts = rest.split()
        if word == "zone" and len(parts) == 3:
            out.zones.setdefault(parts[0], {})[parts[1]] = int(parts[2])
        elif word == "layout":
            out.layout = rest
        elif word == "run":
            out.runs.append({})
        elif word == "step" and out.runs:
            current = Observation(result=int(parts[1]))
            out.runs[-1][int(parts[0])] = current
        elif word == "folio" and current is not None:
            fields = dict(p.split("=", 1) for p in parts[2:])
            current.folios[parts[0]] = {"pfn": int(parts[1], 16), "ref": int(fields["ref"]),
                                        "kpf": int(fields["kpf"], 16), "map": int(fields["map"]),
                                        "mlc": int(fields["mlc"])}
        elif word == "mapped" and current is not None:
            current.mapped[int(parts[0])] = int(parts[1], 16)
        elif word == "batch" and current is not None:
            name = BATCH_NAMES.get(parts[1], parts[1])
            current.batches[f"cpu{parts[0]}.{name}"] = [_batch_entry(e) for e in parts[2:]]
        elif word == "fn" and current is not None:
            current.functions.append(rest)
        elif word == "fatal":
            out.fatal = rest
        elif word == "setupfail":
            out.setup_failures.append(rest)
        elif word == "done":
            out.done = True
    return out


def _batch_entry(text: str) -> tuple[int, int]:
    """One entry of an ``@@ batch`` line, ``pfn:tag``: the PFN in hex and the
    tag (the low bits of the batch's folio pointer)."""
    pfn, tag = text.split(":")
    return int(pfn, 16), int(tag)


def result_name(code: int) -> str:
    """0 -> ok, -12 -> ENOMEM: the model's result words."""
    return "ok" if code == 0 else errno.errorcode.get(-code, str(code))


def zone_of(pfn: int, zones: dict[str, dict[str, int]]) -> str:
    """The model's zone name for a PFN: movable, or normal for every other
    zone (a 1 GiB guest's ZONE_NORMAL is its DMA32)."""
    movable = zones.get("Movable", {})
    start, spanned = movable.get("start", 0), movable.get("spanned", 0)
    return "movable" if spanned and start <= pfn < start + spanned else "normal"


def folio_flags(kpf: int) -> tuple[str, ...]:
    return tuple(f for f in COMPARED_FLAGS if kpf >> KPF[f] & 1)


def lru_list(flags: tuple[str, ...], in_move_batch: bool = False) -> str:
    """The LRU list the flags put a folio on.  With PG_lru clear it is on
    none, unless it waits in a move batch: since 33dfe9204f29 (v6.11) adding
    to a move batch clears PG_lru but leaves the folio on its list."""
    if "lru" not in flags and not in_move_batch:
        return "none"
    if "unevictable" in flags:
        return "unevictable"
    kind = "anon" if "swapbacked" in flags else "file"
    return f"{'active' if 'active' in flags else 'inactive'}_{kind}"


def kernel_state(obs: Observation, names: list[str], zones, cpus: int,
                 batch_names: tuple[str, ...]) -> dict[str, object]:
    """The observation as flat-state keys.  A folio the kernel has not
    created yet has no keys; a freed one only ``freed``."""
    state: dict[str, object] = {"result": result_name(obs.result)}
    by_pfn = {raw["pfn"]: names[int(tag.split(".")[0])] + "'" * int(tag.split(".")[1])
              for tag, raw in obs.folios.items()}
    moving = {pfn for key, entries in obs.batches.items() if key.split(".")[1] in MOVE_BATCHES
              for pfn, _ in entries}
    for tag, raw in obs.folios.items():
        index = int(tag.split(".")[0])
        prefix = f"folio.{by_pfn[raw['pfn']]}."
        freed = raw["ref"] == 0 and obs.mapped.get(index) != raw["pfn"]
        state[prefix + "freed"] = freed
        if freed:
            continue
        flags = folio_flags(raw["kpf"])
        state[prefix + "refcount"] = raw["ref"]
        state[prefix + "flags"] = flags
        state[prefix + "list"] = lru_list(flags, raw["pfn"] in moving)
        state[prefix + "zone"] = zone_of(raw["pfn"], zones)
        if state[prefix + "list"] == "unevictable":
            state[prefix + "mlock_count"] = raw["mlc"]
    for cpu in range(cpus):
        for batch in batch_names:
            key = f"cpu{cpu}.{batch}"
            entries = obs.batches.get(key, [])
            state[key] = tuple(_entry(by_pfn[pfn], tag, batch) for pfn, tag in entries if pfn in by_pfn)
    return state


def _entry(name: str, tag: int, batch: str) -> str:
    return f"{name}:{MLOCK_TAGS.get(tag, '?')}" if batch == "mlock" else name


def model_state(flat: dict[str, object], keys) -> dict[str, object]:
    """The model's values for ``keys`` (flags narrowed to those compared)."""
    out: dict[str, object] = {}
    for key in keys:
        if key == "result":
            continue
        value = flat.get(key)
        if key.endswith(".flags") and isinstance(value, tuple):
            value = tuple(f for f in COMPARED_FLAGS if f in value)
        if value is None and key.startswith("cpu"):
            value = ()
        out[key] = value
    return out
