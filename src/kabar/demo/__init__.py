"""kabar's demo: a fictional sample outlet ("Báo Sông Hồng") that the demo ingests over HTTP.

The outlet's static files live in ``outlet/``. Every absolute URL in them starts with
``OUTLET_BASE``; whoever serves the folder rewrites that token to its own address.
"""

from pathlib import Path

OUTLET_BASE = "https://song-hong.example"
OUTLET_DIR = Path(__file__).resolve().parent / "outlet"
