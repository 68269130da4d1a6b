"""Names the catalog gives to the specializations in a build template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warclaw.chatcode.build_link import BuildTemplate
from warclaw.chatcode.palettes import profession_name

if TYPE_CHECKING:  # the engine pulls in the solvers; decoding a code does not need them
    from warclaw.engine import Catalog, Spec


def elite_spec(template: BuildTemplate, catalog: Catalog) -> Spec | None:
    """The catalog's elite spec whose API id is the third line's, if any."""
    prof = profession_name(template.profession)
    third = template.specializations[2].id
    for spec in catalog.specs.values():
        if spec.elite and spec.id is not None and spec.id == third and spec.profession == prof:
            return spec
    return None


def core_spec(template: BuildTemplate, catalog: Catalog) -> Spec | None:
    prof = profession_name(template.profession)
    return next((s for s in catalog.specs.values() if not s.elite and s.profession == prof), None)


def specialization_name(template: BuildTemplate, spec_id: int, catalog: Catalog) -> str | None:
    """Name of a trait line of the template's profession: core lines, then elite specs."""
    prof = profession_name(template.profession)
    for entry in catalog.professions.values():
        if entry.get("name") == prof:
            for name, sid in (entry.get("core_specializations") or {}).items():
                if sid == spec_id:
                    return str(name)
    for spec in catalog.specs.values():
        if spec.elite and spec.id == spec_id and spec.profession == prof:
            return spec.name
    return None
