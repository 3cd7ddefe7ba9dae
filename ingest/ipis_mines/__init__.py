"""IPIS field visits to artisanal mine sites in eastern DR Congo (source ``ipis-mines``)."""
