"""RMI smelter reference list (the Smelter Look-up sheet of RMI templates)."""
