"""The canary strings and the entities they attach to (tests/api/conftest.py plants them)."""

ACCESS_CANARIES = ("CANARY-ACCESS-DELL", "CANARY-ACCESS-WIDGETS", "Canaryaccess Widgets")
LICENCE_CANARIES = ("CANARY-LICENCE-LINK", "CANARY-LICENCE-FINDING", "Canarylicence Mining", "canary-licds")
PUBLIC_CONTROL = "PUBLIC-CONTROL-DELL"
CANARY_BRAND = "org:dell"
CANARY_BUYER = "canada:dept:rcmp-grc"
