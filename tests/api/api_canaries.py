"""The canary strings and the entities they attach to (tests/api/conftest.py plants them)."""

ACCESS_CANARIES = ("CANARY-ACCESS-DELL", "CANARY-ACCESS-WIDGETS", "Canaryaccess Widgets")
LICENCE_CANARIES = ("CANARY-LICENCE-LINK", "CANARY-LICENCE-FINDING", "Canarylicence Mining", "canary-licds")
PUBLIC_CONTROL = "PUBLIC-CONTROL-DELL"
CANARY_BRAND = "org:dell"
CANARY_BUYER = "canada:dept:rcmp-grc"

#: POST requests the canary tests send besides the GET routes: matching and reconciliation
#: (api/routes_match.py). The names are misspelt: an echoed query must not read as a leak.
POST_REQUESTS = (
    (
        "/v1/match",
        {
            "json": {
                "records": [
                    {"name": "Canaryacess Widget"},
                    {"name": "Canarylicense Minning"},
                    {"name": "Dell"},
                ],
                "limit": 10,
            }
        },
    ),
    (
        "/v1/reconcile",
        {
            "data": {
                "queries": '{"q0": {"query": "Canaryacess Widget", "limit": 10}, '
                '"q1": {"query": "Canarylicense Minning"}}'
            }
        },
    ),
)
#: GET matching routes (the preview of a canary-only id is added per hidden id)
MATCH_URLS = (
    "/v1/reconcile",
    "/v1/reconcile?queries=%7B%22q0%22%3A%7B%22query%22%3A%22Canaryacess%20Widget%22%7D%7D",
)
