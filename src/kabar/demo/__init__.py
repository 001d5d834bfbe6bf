"""kabar's demo: fictional outlets that the demo ingests over HTTP.

Báo Sông Hồng, the sample outlet (Vietnamese), lives in ``outlet/``; its partner outlets,
which cover some of the same stories in other languages, live in ``partners/<slug>/``.
Every absolute URL in an outlet's files starts with that outlet's base-URL token
(``OUTLET_BASE``, ``PartnerOutlet.base``); whoever serves the folder rewrites the token to
its own address.
"""

from dataclasses import dataclass
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
OUTLET_BASE = "https://song-hong.example"
OUTLET_DIR = DEMO_DIR / "outlet"
PARTNERS_DIR = DEMO_DIR / "partners"


@dataclass(frozen=True)
class PartnerOutlet:
    """A second or third fictional outlet, served by the demo server under ``/<slug>/``."""

    slug: str  # also the Outlet's slug in the database
    name: str
    language: str  # the language its articles are written in
    base: str  # the base-URL token its files use, like OUTLET_BASE for Báo Sông Hồng

    @property
    def directory(self) -> Path:
        return PARTNERS_DIR / self.slug


PARTNERS: tuple[PartnerOutlet, ...] = (
    PartnerOutlet("red-river-post", "Red River Post", "en", "https://red-river-post.example"),
    PartnerOutlet("harian-selat-timur", "Harian Selat Timur", "id", "https://selat-timur.example"),
)
