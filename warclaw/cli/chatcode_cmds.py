"""`warclaw build decode CODE`: what a pasted build template chat link holds."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from warclaw.cli.context import Context
from warclaw.cli.output import echo

if TYPE_CHECKING:  # the chat-code tables load only when `warclaw build` runs, not for every command
    from warclaw.chatcode import BuildTemplate
    from warclaw.engine import Catalog


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build template chat links")
    build_sub = p.add_subparsers(dest="build_command", metavar="SUBCOMMAND", required=True)
    d = build_sub.add_parser("decode", help="decode a [&DQ...] build template link")
    d.add_argument("code", metavar="CODE", help="the chat link, with or without [& ]")
    d.add_argument("--json", action="store_true", help="machine-readable output")
    d.set_defaults(func=cmd_build_decode)


def _catalog(ctx: Context) -> Catalog:
    from warclaw.files import load_catalog

    return load_catalog(ctx.config.engine.catalog or None)


def decoded_mapping(template: BuildTemplate, catalog: Catalog) -> dict[str, Any]:
    """The ``--json`` shape of a decoded template: what the text summary says, as data."""
    from warclaw.chatcode import match_build, profession_name, weapon_name
    from warclaw.chatcode.catalog_lookup import elite_spec, specialization_name

    elite = elite_spec(template, catalog)
    build_id, confidence, reason = match_build(template, catalog)
    pets = template.pets
    legends = template.legends
    return {
        "profession": profession_name(template.profession),
        "specializations": [{"id": s.id, "name": specialization_name(template, s.id, catalog) if s.id else None,
                             "traits": list(s.traits)} for s in template.specializations],
        "elite_spec": elite.name if elite else None,
        "skills": {"terrestrial": list(template.terrestrial), "aquatic": list(template.aquatic)},
        "weapons": [{"id": w, "name": weapon_name(w)} for w in template.weapons or ()],
        "skill_variants": list(template.skill_variants or ()),
        "pets": {"terrestrial": list(pets.terrestrial), "aquatic": list(pets.aquatic)} if pets else None,
        "legends": {"terrestrial": [_legend_mapping(c) for c in legends.terrestrial],
                    "aquatic": [_legend_mapping(c) for c in legends.aquatic]} if legends else None,
        "catalog_build": build_id,
        "match": {"build": build_id, "confidence": round(confidence, 2), "reason": reason},
    }


def _legend_mapping(code: int) -> dict[str, Any]:
    from warclaw.chatcode import legend

    found = legend(code)
    return {"code": code, "name": found.name if found else None}


_TRAIT = {0: "-", 1: "top", 2: "mid", 3: "bot"}


def _summary(template: BuildTemplate, catalog: Catalog) -> list[str]:
    from warclaw.chatcode import (
        legend,
        match_build,
        profession_name,
        skill_name,
        slot_skill_names,
        weapon_name,
    )
    from warclaw.chatcode.catalog_lookup import specialization_name
    from warclaw.chatcode.palettes import SLOT_NAMES

    lines = [f"profession   {profession_name(template.profession)}"]
    for i, s in enumerate(template.specializations, 1):
        name = (specialization_name(template, s.id, catalog) or f"#{s.id}") if s.id else "(none)"
        lines.append(f"line {i}       {name:<20} {' '.join(_TRAIT[t] for t in s.traits)}")
    for label, aquatic, ids in (("land", False, template.terrestrial), ("water", True, template.aquatic)):
        names = slot_skill_names(template, aquatic)
        shown = [f"{slot}: {n or (f'palette {p}' if p else '-')}" for slot, n, p in zip(SLOT_NAMES, names, ids, strict=True)]
        lines.append(f"{label + ' skills':<12} {'; '.join(shown)}")
    if template.pets is not None:
        lines.append(f"pets         land {list(template.pets.terrestrial)}, water {list(template.pets.aquatic)}")
    if template.legends is not None:
        def lname(code: int) -> str:
            found = legend(code)
            return found.name if found else f"legend {code}" if code else "-"
        lg = template.legends
        lines.append(f"legends      land {', '.join(map(lname, lg.terrestrial))}; "
                     f"water {', '.join(map(lname, lg.aquatic))}")
    if template.weapons is None:
        lines.append("weapons      (not recorded: code from before mid-2023)")
    else:
        lines.append("weapons      " + (", ".join(weapon_name(w) or f"palette {w}" for w in template.weapons) or "-"))
        variants = [f"{name} ({v})" if (name := skill_name(v)) else str(v) for v in template.skill_variants or ()]
        lines.append("variants     " + (", ".join(variants) or "-"))
    build_id, confidence, reason = match_build(template, catalog)
    lines.append(f"catalog      {build_id or '-'} (confidence {confidence:.2f}): {reason}")
    return lines


def cmd_build_decode(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.chatcode import decode_build

    template = decode_build(args.code)  # ChatCodeError is a UserError: one line, exit 1
    catalog = _catalog(ctx)
    if args.json:
        json.dump(decoded_mapping(template, catalog), sys.stdout, indent=2)
        echo()
    else:
        echo("\n".join(_summary(template, catalog)))
    return 0
