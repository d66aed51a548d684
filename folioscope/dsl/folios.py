"""``folio`` declarations -> ``FolioDecl`` nodes: the names (a range is
expanded), the kind, each attribute and its value, and the combinations of
attributes that are rejected (docs/language.md lists them)."""

from __future__ import annotations

from lark import Tree

from folioscope.dsl.ast import FolioDecl
from folioscope.dsl.errors import show
from folioscope.dsl.positions import pos_after, pos_of
from folioscope.dsl.reader import Reader
from folioscope.dsl.vocabulary import (
    FOLIO_ATTRS,
    KINDS,
    PMD_ORDER,
    VMA_MAPS,
    ZONES,
    AttrSpec,
    did_you_mean,
    one_of,
)


class FolioBuilder:
    """Builds and checks ``folio`` statements."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def folio(self, t: Tree) -> FolioDecl:
        """``folio NAME|RANGE KIND ATTR…``."""
        _, target, *attrs = t.children
        names, _ = self.r.folio_names(target, declaring=True)
        if not attrs:
            raise self.r.fail(pos_after(target),
                              f"the folio declaration needs a kind after {show(self.r.text_of(target))}",
                              expected="a kind: " + one_of(KINDS))
        kind_tree, *attrs = attrs
        kind = self.kind(kind_tree, target, attrs)
        values: dict = {}
        seen: dict[str, Tree] = {}
        for a in attrs:
            name, value = self.attribute(a, kind, seen)
            seen[name] = a
            values[name] = value
        self.conflicts(kind, values, seen, self.r.text_of(target))
        for n in names:
            self.r.checker.declare(n, pos_of(target))
        return FolioDecl(names=tuple(names), kind=kind, attrs=values, pos=pos_of(t))

    def kind(self, kind_tree: Tree, target, attrs: list[Tree]) -> str:
        """The first attribute, which must be a kind without a value."""
        kind_tok = kind_tree.children[0]
        kind = kind_tok.value
        if kind not in KINDS:
            if kind in FOLIO_ATTRS:
                later = [a.children[0].value for a in attrs if a.children[0].value in KINDS]
                example = later[0] if later else kind_for(kind)
                raise self.r.fail(kind_tree, f"the kind must come first, before {show(self.r.text(kind_tree))}",
                                  expected="a kind: " + one_of(KINDS),
                                  hint=f"for example 'folio {self.r.text_of(target)} {example} "
                                       f"{self.r.text(kind_tree)}'")
            raise self.r.fail(kind_tok, f"unknown folio kind {show(kind)}", expected="a kind: " + one_of(KINDS),
                              hint=did_you_mean(kind, KINDS))
        if len(kind_tree.children) > 1:
            raise self.r.fail(kind_tree, f"the kind {show(kind)} takes no value", expected="a kind: " + one_of(KINDS))
        return kind

    def attribute(self, a: Tree, kind: str, seen: dict[str, Tree]) -> tuple[str, object]:
        """One ``name`` or ``name=value`` after the kind: its name and value."""
        name_tok = a.children[0]
        name = name_tok.value
        spec = FOLIO_ATTRS.get(name)
        if spec is None:
            if name in KINDS:
                raise self.r.fail(a, f"a folio has one kind; {show(name)} comes after {show(kind)}",
                                  expected="an attribute such as order=2, zone=movable or new")
            accepted = attributes_for(kind)
            raise self.r.fail(name_tok, f"unknown folio attribute {show(name)}",
                              expected="an attribute: " + one_of(accepted),
                              hint=did_you_mean(name, accepted))
        if name in seen:
            raise self.r.fail(a, f"attribute {show(name)} is given twice",
                              hint=f"it was first given at column {seen[name].meta.column}")
        has_value = len(a.children) == 3
        if spec.value is None:
            if has_value:
                raise self.r.fail(a, f"{show(name)} takes no value", hint=f"write just '{name}'")
            return name, True
        if not has_value:
            example = {"zone": "zone=movable", "vma_maps": "vma_maps=part"}.get(spec.value, f"{name}=1")
            raise self.r.fail(a, f"{show(name)} needs a value", expected=f"{name}=VALUE, such as {example}")
        return name, self.attribute_value(spec, a.children[2])

    def attribute_value(self, spec: AttrSpec, value) -> int | str:
        name = spec.name
        if spec.value == "int":
            if value.type != "INT":
                raise self.r.fail(value, f"{name}= needs a number, not {show(value.value)}",
                                  expected=f"a number from {spec.low} to {spec.high}")
            return self.r.number(value, spec.low, spec.high, name)
        if spec.value == "vma_maps":
            if value.value not in VMA_MAPS:
                raise self.r.fail(value, f"vma_maps= cannot be {show(value.value)}",
                                  expected="one of " + one_of(VMA_MAPS), hint=did_you_mean(value.value, VMA_MAPS))
            return value.value
        if value.value not in ZONES:
            raise self.r.fail(value, f"unknown zone {show(value.value)}", expected="a zone: " + one_of(ZONES),
                              hint=did_you_mean(value.value, ZONES))
        return value.value

    # --- combinations ---------------------------------------------------------------------

    def conflicts(self, kind: str, attrs: dict, seen: dict[str, Tree], target: str) -> None:
        """Attributes that cannot go together (docs/language.md, "Rejected
        combinations"), checked so that no hint leads to another rejection."""
        def clash(a: str, b: str, why: str, hint: str | None = None):
            later = max(seen[a], seen[b], key=lambda t: t.meta.start_pos)
            return self.r.fail(later, f"'{a}' and '{b}' conflict: {why}", hint=hint)

        if "active" in attrs and "inactive" in attrs:
            raise clash("active", "inactive", "a folio starts on one list")
        if "unmlocked" in attrs and "new" in attrs:
            raise clash("unmlocked", "new", "'unmlocked' keeps the folio on an LRU list, 'new' puts it on none",
                        hint="'new locked=N' already leaves PG_mlocked clear")
        if "unmlocked" in attrs and "nolru" in attrs:
            raise clash("unmlocked", "nolru", "'unmlocked' keeps the folio on an LRU list, 'nolru' puts it on none")
        if "unmlocked" in attrs and not attrs.get("locked"):
            raise self.r.fail(seen["unmlocked"], "'unmlocked' needs locked=N (N > 0)",
                              hint="'unmlocked' says the folio of N VM_LOCKED mappings is not yet mlocked; "
                                   "add locked=1")
        for side in ("active", "inactive"):
            if side in attrs and "nolru" in attrs:
                raise clash(side, "nolru", f"a 'nolru' folio is on no LRU list, so not on the {side} one")
        self.kind_conflicts(kind, attrs, seen)
        self.vma_maps(attrs, seen)
        self.references(kind, attrs, seen, target)

    def vma_maps(self, attrs: dict, seen: dict[str, Tree]) -> None:
        """``vma_maps=`` says how a large folio is mapped: a small folio is
        mapped by one PTE, and a PMD maps a PMD-sized folio (order=9)."""
        maps = attrs.get("vma_maps", "all")
        order = attrs.get("order", 0)
        if maps != "all" and not order:
            raise self.r.fail(seen["vma_maps"], f"'vma_maps={maps}' needs a large folio",
                              hint="a small folio is mapped by one PTE; give it order=N (N > 0)")
        if maps == "pmd" and order != PMD_ORDER:
            raise self.r.fail(seen["vma_maps"], f"'vma_maps=pmd' needs order={PMD_ORDER}",
                              hint=f"a PMD maps {1 << PMD_ORDER} pages (HPAGE_PMD_ORDER with 4 KiB pages); "
                                   "a smaller large folio is PTE-mapped: vma_maps=all, part or two_runs")

    def kind_conflicts(self, kind: str, attrs: dict, seen: dict[str, Tree]) -> None:
        """Attributes only some kinds have: folio_expected_ref_count()
        (include/linux/mm.h) counts the swap cache for anon folios and
        PG_private for the others."""
        if "swapcache" in attrs and kind != "anon":
            raise self.r.fail(seen["swapcache"], f"'swapcache' is for anon folios, not {kind}",
                              hint=f"a {kind} folio is in the page cache already")
        if "private" in attrs and kind == "anon":
            raise self.r.fail(seen["private"], "'private' is for file and shmem folios, not anon",
                              hint="PG_private is counted as a reference only on file and shmem folios "
                                   "(folio_expected_ref_count())")

    def references(self, kind: str, attrs: dict, seen: dict[str, Tree], target: str) -> None:
        """An anon folio needs a mapping or the swap cache to hold it (a file or
        shmem folio is held by the page cache)."""
        if kind != "anon" or "swapcache" in attrs:
            return
        mapped = attrs.get("mapped", 0 if "locked" in attrs else 1)
        if mapped or attrs.get("locked"):
            return
        written = [seen[a] for a in ("mapped", "locked") if a in seen]
        at = max(written, key=lambda t: t.meta.start_pos)
        raise self.r.fail(at, f"{show(target)} would have no reference at all, so it would be free",
                          hint="an anon folio is held by its mappings and the swap cache: "
                               "give it mapped=N or locked=N (N > 0), or swapcache")


def attributes_for(kind: str) -> list[str]:
    """The attributes a folio of ``kind`` accepts, for hints."""
    excluded = "private" if kind == "anon" else "swapcache"
    return [a for a in FOLIO_ATTRS if a != excluded]


def kind_for(attribute: str) -> str:
    """A kind that accepts ``attribute``, for examples."""
    return "file" if attribute == "private" else "anon"
