"""pcgd: universal education and literacy surveys (PCGD-XMC)."""

import os

# Piccolo finds its engine and apps through this module; set before any Table import.
os.environ.setdefault("PICCOLO_CONF", "pcgd.piccolo_conf")
