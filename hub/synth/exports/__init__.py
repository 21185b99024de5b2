"""Each partner's export, in its own native shape: one module per partner.

A connector author reads exactly one module here to learn what their partner's files look
like: the file name pattern, the columns (or JSON fields), the code lists and what each
internal category maps to, which field is the record reference and which the version, and
how the deliberately bad rows are broken.
"""

from __future__ import annotations

from hub.synth.exports import ed, police, prisons, schools, youth_justice
from hub.synth.exports.base import PartnerExport

#: Partner name -> its export module, in a fixed order (manifest and summaries use it).
PARTNERS: dict[str, PartnerExport] = {
    m.PARTNER: m for m in (police, ed, prisons, schools, youth_justice)
}

#: The hub's partner id (topic catalogue, connectors) -> the folder its export is written to.
FOLDER_OF_PARTNER: dict[str, str] = {
    "police": "police",
    "ed": "ed",
    "prison": "prisons",
    "school": "schools",
    "yjs": "youth_justice",
}

__all__ = ["FOLDER_OF_PARTNER", "PARTNERS", "PartnerExport"]
