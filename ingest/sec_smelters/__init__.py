"""Brand -> smelter lists from SEC Form SD conflict-minerals reports."""
