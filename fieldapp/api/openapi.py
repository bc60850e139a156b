"""OpenAPI 3 description of /api/v1. A test checks every /api/v1 route appears here."""
from ..visits.rules import MAX_NOTE, MAX_RESIDENTS, OUTCOMES

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_ERR = {"description": "Lỗi, có thông báo tiếng Việt",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_JSON = "application/json"


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "fieldapp sync and read API",
        "version": "1",
        "description": "Sync contract for offline clients. Sign in with the web form (session cookie); "
                       "every POST carries the CSRF token from GET /session in the X-CSRFToken header. "
                       "Records are identified by client-made UUIDs and applied exactly once.\n\n"
                       "A province's own systems read without a browser session: an administrator makes a "
                       "read-only API token for a province or commune (Admin → Kết nối hệ thống) and the "
                       "system sends `Authorization: Bearer fa_…` on the routes marked with the `token` "
                       "scheme. A token reads only inside its area (elsewhere 404), only with GET, and stops "
                       "working the moment it is revoked.\n\n"
                       "Webhooks: for each subscribed event (`campaign.frozen`, `period.approved`) fieldapp POSTs JSON "
                       "`{event, delivery, occurred_at, area, data}` with the headers X-Fieldapp-Event, "
                       "X-Fieldapp-Delivery (the same on every retry), X-Fieldapp-Timestamp and "
                       "X-Fieldapp-Signature: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the "
                       "endpoint's secret. Any 2xx answer is a delivery; otherwise it is retried after 1, 2, 4 … "
                       "minutes (at most 6 hours apart), 8 attempts in all.",
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            "token": {"type": "http", "scheme": "bearer",
                      "description": "read-only API token of an area (fa_…), made and revoked by an administrator"},
        },
        "schemas": {
            "Error": _ERROR,
            "User": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string"},
                "team_id": {"type": "integer", "nullable": True}, "team_name": {"type": "string", "nullable": True},
                "village_id": {"type": "integer", "nullable": True},
                "village_name": {"type": "string", "nullable": True}}},
            "Service": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "short_name": {"type": "string"},
                "unit": {"type": "string"}, "eligibility": {"type": "string"}}},
            "Household": {"type": "object", "properties": {
                "id": {"type": "string", "format": "uuid"}, "village_id": {"type": "integer"},
                "code": {"type": "string"},
                "head_name": {"type": "string", "nullable": True,
                              "description": "null for a caller who may not see residents' names (province "
                                             "viewers, admins: see /privacy)"},
                "residents_total": {"type": "integer"}, "residents_14plus": {"type": "integer"},
                "residents_18plus": {"type": "integer"}, "smartphones": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "last_visited_at": {"type": "string", "format": "date-time", "nullable": True},
                "last_outcome": {"type": "string", "nullable": True}, "visit_count": {"type": "integer"},
                "return_on": {"type": "string", "format": "date", "nullable": True,
                              "description": "the day the latest visit promised to come back"},
                "assignee_id": {"type": "integer", "nullable": True,
                                "description": "the member of the team the leader sent to this household"},
                "achieved": {"type": "object", "additionalProperties": {"type": "integer"},
                             "description": "service code -> people (or dossiers) counted so far"}}},
            "NewHousehold": {"type": "object", "required": [
                "id", "village_id", "code", "residents_total", "residents_14plus", "residents_18plus"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"}, "village_id": {"type": "integer"},
                    "code": {"type": "string", "maxLength": 40},
                    "residents_total": {"type": "integer", "minimum": 1, "maximum": MAX_RESIDENTS},
                    "residents_14plus": {"type": "integer", "minimum": 0, "maximum": MAX_RESIDENTS},
                    "residents_18plus": {"type": "integer", "minimum": 0, "maximum": MAX_RESIDENTS},
                    "smartphones": {"type": "integer", "minimum": 0, "maximum": MAX_RESIDENTS},
                    "head_name": {"type": "string", "nullable": True},
                    "head_phone": {"type": "string", "nullable": True},
                    "consent": {"type": "boolean", "description": "required to keep head_name/head_phone"},
                    "created_at": {"type": "string", "format": "date-time",
                                   "description": "when the phone recorded it; not in the future, and no "
                                                  "earlier than the back-entry window (earliest_visit_day)"}}},
            "NewVisit": {"type": "object", "required": ["id", "household_id", "visited_at", "outcome"],
                         "properties": {
                             "id": {"type": "string", "format": "uuid"},
                             "household_id": {"type": "string", "format": "uuid"},
                             "visited_at": {"type": "string", "format": "date-time",
                                            "description": "ISO 8601; without offset = Vietnam time; not in the "
                                                           "future, not before the session's earliest_visit_day; "
                                                           "the day from 2000-01-01 to 2099-12-31 (else rejected)"},
                             "outcome": {"type": "string", "enum": list(OUTCOMES)},
                             "note": {"type": "string", "maxLength": MAX_NOTE, "nullable": True},
                             "return_on": {"type": "string", "format": "date", "nullable": True,
                                           "description": "not_home / revisit only: the local day the member "
                                                          "comes back (at most 90 days after the visit)"},
                             "assists": {"type": "array", "items": {
                                 "type": "object", "required": ["service", "count"],
                                 "properties": {"service": {"type": "string"},
                                                "count": {"type": "integer", "minimum": 0}}}}}},
            "Area": {"type": "object", "required": ["id", "name", "level"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "level": {"type": "string", "enum": ["province", "commune", "village"]},
                "parent_id": {"type": "integer", "nullable": True}}},
            "ServiceTally": {"type": "object", "required": ["code", "helped", "helped_ever"], "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "short_name": {"type": "string"},
                "unit": {"type": "string"},
                "helped": {"type": "integer", "description": "people (or dossiers) helped in the range"},
                "helped_ever": {"type": "integer", "description": "helped since the start"},
                "eligible": {"type": "integer", "nullable": True,
                             "description": "eligible residents; null for a service without a denominator"},
                "goal": {"type": "integer", "nullable": True,
                         "description": "what the figure is measured against: during a campaign that counts the "
                                        "service its goal (campaign.goal), else the eligible residents"},
                "coverage": {"type": "number", "nullable": True, "minimum": 0,
                             "description": "helped_ever / eligible (the cap keeps it at most 1)"},
                "campaign": {"type": "object", "nullable": True,
                             "description": "the running campaign, when it counts this service",
                             "properties": {
                                 "helped": {"type": "integer", "description": "helped since the campaign began"},
                                 "goal": {"type": "integer", "nullable": True,
                                          "description": "the campaign's target, else the eligible residents"},
                                 "share": {"type": "number", "nullable": True,
                                           "description": "helped / goal, over-achievement as it is (1.217)"}}}}},
            "Tally": {"type": "object", "required": ["households", "visited", "visits", "outcomes", "services"],
                      "properties": {
                          "households": {"type": "integer"},
                          "visited": {"type": "integer", "description": "households visited at least once, ever"},
                          "reached": {"type": "integer", "description": "households visited first in the range"},
                          "visits": {"type": "integer", "description": "visits in the range"},
                          "outcomes": {"type": "object", "properties": {
                              o: {"type": "integer"} for o in OUTCOMES}},
                          "services": {"type": "array", "items": {"$ref": "#/components/schemas/ServiceTally"}}}},
            "ApprovedPeriods": {"type": "object", "required": ["area", "periods"], "properties": {
                "area": {"$ref": "#/components/schemas/Area"},
                "periods": {"type": "array", "items": {"type": "object", "required": [
                    "village", "commune_id", "period", "from", "to", "approved_at", "late_after_approval", "figures"],
                    "properties": {
                        "village": {"type": "object", "properties": {"id": {"type": "integer"},
                                                                     "name": {"type": "string"}}},
                        "commune_id": {"type": "integer"},
                        "period": {"type": "string", "enum": ["m", "q"]},
                        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                        "approved_at": {"type": "string", "format": "date-time", "nullable": True},
                        "late_after_approval": {"type": "integer"},
                        "figures": {"type": "object", "nullable": True, "additionalProperties": True,
                                    "description": "households, residents_total, residents_14plus, residents_18plus, "
                                                   "smartphones, teams, members, visits, reached, visited, outcomes, "
                                                   "services {code: {unit, period, cumulative, eligible}} …"}}}}}},
            "TallyAnswer": {"type": "object", "required": ["area", "from", "to", "tally", "children"], "properties": {
                "area": {"$ref": "#/components/schemas/Area"},
                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                "campaign": {"type": "object", "nullable": True, "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}}},
                "tally": {"$ref": "#/components/schemas/Tally"},
                "children": {"type": "array", "items": {"type": "object", "required": ["area", "tally"], "properties": {
                    "area": {"$ref": "#/components/schemas/Area"}, "tally": {"$ref": "#/components/schemas/Tally"}}}}}},
            "BoardRow": {"type": "object", "required": ["id", "name", "rank", "points", "visits"], "properties": {
                "id": {"type": "integer", "description": "team, member or commune id"},
                "name": {"type": "string"}, "place": {"type": "string", "description": "village, team or province"},
                "rank": {"type": "integer", "minimum": 1},
                "previous_rank": {"type": "integer", "nullable": True},
                "rank_change": {"type": "integer", "nullable": True,
                                "description": "places gained since the previous period (negative: lost)"},
                "move": {"type": "string", "enum": ["up", "down", "same", "new"]},
                "members": {"type": "integer"}, "visits": {"type": "integer"}, "points": {"type": "integer"},
                "points_per_member": {"type": "number", "nullable": True},
                "score": {"type": "number", "nullable": True,
                          "description": "share of the goals achieved, weighted by points (1 = 100%, more when exceeded)"},
                "percent_of_target": {"type": "number", "nullable": True},
                "people": {"type": "object", "additionalProperties": {"type": "integer"}},
                "goals": {"type": "object", "additionalProperties": {"type": "number"},
                          "description": "what each service is measured against: a campaign's goal; for a week, "
                                         "month or quarter, its part of a year's goal (days/365)"},
                "streak": {"type": "integer", "nullable": True, "description": "members: weeks in a row with visits"}}},
            "LeaderboardAnswer": {"type": "object", "required": ["area", "period", "boards"], "properties": {
                "area": {"$ref": "#/components/schemas/Area"},
                "period": {"type": "object", "properties": {
                    "key": {"type": "string", "enum": ["week", "month", "quarter", "campaign"]},
                    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                    "previous_from": {"type": "string", "format": "date", "nullable": True},
                    "previous_to": {"type": "string", "format": "date", "nullable": True}}},
                "campaign": {"type": "object", "nullable": True, "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "frozen": {"type": "boolean"}}},
                "boards": {"type": "array", "items": {"type": "object", "required": ["kind", "rows"], "properties": {
                    "kind": {"type": "string", "enum": ["members", "teams", "communes"]},
                    "title": {"type": "string"},
                    "rows": {"type": "array", "items": {"$ref": "#/components/schemas/BoardRow"}}}}}}},
            "Notice": {"type": "object", "required": ["id", "title", "body", "expires_on", "seen"], "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "expires_on": {"type": "string", "format": "date",
                               "description": "the last local day it shows on home screens"},
                "seen": {"type": "boolean", "description": "the caller has tapped “Tôi đã xem”"},
                "campaign": {"type": "object", "nullable": True, "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}}},
                "team_seen": {"type": "integer", "nullable": True,
                              "description": "leaders: members and leaders of the team who have read it"},
                "team_members": {"type": "integer", "nullable": True,
                                 "description": "leaders: active members and leaders of the team"}}},
            "Result": {"type": "object", "required": ["id", "status"], "properties": {
                "id": {"type": "string"}, "kind": {"type": "string", "enum": ["household", "visit"]},
                "status": {"type": "string", "enum": ["created", "duplicate", "rejected"],
                           "description": "created and duplicate: the server has it, drop it from the outbox; "
                                          "rejected: refused for good as it is, set aside for the member to "
                                          "correct or discard (never resent unchanged)"},
                "error": {"type": "string", "description": "Vietnamese reason (rejected only)"},
                "errors": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "reasons per field"}}},
        },
    },
    "security": [{"session": []}],
    "paths": {
        "/session": {"get": {
            "summary": "The signed-in user and a fresh CSRF token (fetch one before each sync)",
            "responses": {"200": _ok({"type": "object", "properties": {
                "user": {"$ref": "#/components/schemas/User"}, "csrf_token": {"type": "string"},
                "server_time": {"type": "string", "format": "date-time"}}}), "401": _ERR}}},
        "/services": {"get": {
            "summary": "The active service catalogue, for building the visit form offline",
            "responses": {"200": _ok({"type": "object", "properties": {"services": {
                "type": "array", "items": {"$ref": "#/components/schemas/Service"}}}}), "401": _ERR}}},
        "/households": {"get": {
            "summary": "Households of a village in the caller's scope (offline cache)",
            "parameters": [
                {"name": "village", "in": "query", "required": True, "schema": {"type": "integer"}},
                {"name": "since", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date-time"},
                 "description": "only households changed at or after this time (use the last server_time); "
                                "a day outside 2000-01-01..2099-12-31 is a 400"}],
            "responses": {"200": _ok({"type": "object", "properties": {
                "village": {"type": "object"},
                "households": {"type": "array", "items": {"$ref": "#/components/schemas/Household"}},
                "server_time": {"type": "string", "format": "date-time"}}}),
                "400": _ERR, "401": _ERR, "404": _ERR}}},
        "/visits/batch": {"post": {
            "summary": "Send households and visits recorded on a phone; idempotent on each record's id",
            "description": "Households are applied first. Each record is answered on its own: created, "
                           "duplicate (same id, same content: nothing changes) or rejected (with the reason; "
                           "same id with other content is rejected and the first is kept). "
                           "Accepted records are on disk when the answer is sent.\n\n"
                           "`rejected` means the server refused that record as it is, for good: resending it "
                           "unchanged gets the same answer. The client sets it aside (it must not block the "
                           "records after it), shows the member `error` (Vietnamese) and `errors` (per field: "
                           "`visited_at`, `household_id`, `svc_<code>`, …), and lets them correct it (a new "
                           "record with a new id) or discard it. A bad record never fails the batch: e.g. a "
                           "`visited_at` of 0001-01-01 or 9999-12-31 is `rejected` with a reason while the other "
                           "records of the batch are stored. Only a body that is not usable at all (not JSON, "
                           "nested too deeply, too large, too many records, another user's records) is answered "
                           "with a 4xx for the whole request, and nothing of it is stored.",
            "security": [{"session": [], "csrf": []}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "properties": {
                    "user_id": {"type": "integer", "description": "who recorded them; refused (409) if not the caller"},
                    "households": {"type": "array", "maxItems": 200,
                                   "items": {"$ref": "#/components/schemas/NewHousehold"}},
                    "visits": {"type": "array", "maxItems": 200,
                               "items": {"$ref": "#/components/schemas/NewVisit"}}}}}}},
            "responses": {"200": _ok({"type": "object", "properties": {"results": {
                "type": "array", "items": {"$ref": "#/components/schemas/Result"}}}}),
                "400": _ERR, "401": _ERR, "409": _ERR, "413": _ERR}}},
        "/sync/status": {"post": {
            "summary": "What the phone still holds after a sync (the leader's week shows phones with records not sent)",
            "description": "The latest report of each member is kept: records waiting to be sent, records the "
                           "server refused and the member must fix, and when the oldest waiting one was written.",
            "security": [{"session": [], "csrf": []}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "required": ["pending"], "properties": {
                    "pending": {"type": "integer", "minimum": 0, "maximum": 100000},
                    "rejected": {"type": "integer", "minimum": 0, "maximum": 100000},
                    "oldest_at": {"type": "string", "format": "date-time", "nullable": True}}}}}},
            "responses": {"200": _ok({"type": "object", "properties": {"status": {"type": "string"}}}),
                          "400": _ERR, "401": _ERR}}},
        "/areas/{area_id}/tally": {"get": {
            "summary": "An area's tallies over local days, with the rows of the areas just below it",
            "description": "The same figures as the dashboard (/dashboard/{area_id}): counters of the area "
                         "and of its villages (a commune) or communes (a province). Leaders, commune officers, "
                         "province viewers and admins, inside their own area; a member gets 403.",
            "parameters": [
                {"name": "area_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                 "description": "first local day (Vietnam time), default 29 days before `to`"},
                {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                 "description": "last local day, default today; at most 366 days from `from`"}],
            "responses": {"200": _ok({"$ref": "#/components/schemas/TallyAnswer"}),
                          "400": _ERR, "401": _ERR, "403": _ERR, "404": _ERR},
            "security": [{"session": []}, {"token": []}]}},
        "/leaderboard": {"get": {
            "summary": "Leaderboards of an area for a period, or of a campaign seen from an area",
            "description": "As on /leaderboard/{area_id}: a village ranks its team members by points, a commune "
                           "its teams and a province its communes by the share of their target achieved. "
                           "With campaign_id, the campaign's boards (frozen results once frozen).",
            "parameters": [
                {"name": "area_id", "in": "query", "required": True, "schema": {"type": "integer"}},
                {"name": "period", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["week", "month", "quarter"], "default": "week"}},
                {"name": "campaign_id", "in": "query", "required": False, "schema": {"type": "integer"}}],
            "responses": {"200": _ok({"$ref": "#/components/schemas/LeaderboardAnswer"}),
                          "400": _ERR, "401": _ERR, "404": _ERR},
            "security": [{"session": []}, {"token": []}]}},
        "/approved-periods": {"get": {
            "summary": "Village months and quarters approved by their commune, with the figures as approved",
            "description": "The sign-off (duyệt số liệu): a team leader confirms the village's month or quarter, "
                           "the commune officer approves it. Each approved period is kept as approved: `figures` "
                           "are those of the approval (as of the period's last day); `late_after_approval` counts "
                           "the visits of the period corrected since. Newest first, at most 500. The same approval "
                           "is sent as the `period.approved` webhook.",
            "parameters": [
                {"name": "area_id", "in": "query", "required": True, "schema": {"type": "integer"},
                 "description": "a province, a commune or a village inside the caller's area"},
                {"name": "period", "in": "query", "required": False, "schema": {"type": "string", "enum": ["m", "q"]},
                 "description": "m: months, q: quarters; both by default"},
                {"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                 "description": "only the periods that begin on this day (e.g. 2026-10-01)"}],
            "responses": {"200": _ok({"$ref": "#/components/schemas/ApprovedPeriods"}),
                          "400": _ERR, "401": _ERR, "403": _ERR, "404": _ERR},
            "security": [{"session": []}, {"token": []}]}},
        "/notices": {"get": {
            "summary": "The live notices of the caller's commune (members and leaders; others: an empty list)",
            "description": "For the offline app's cache: newest first, not archived, not past expires_on.",
            "responses": {"200": _ok({"type": "object", "required": ["notices"], "properties": {
                "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
                "today": {"type": "string", "format": "date"},
                "server_time": {"type": "string", "format": "date-time"}}}), "401": _ERR}}},
        "/notices/seen": {"post": {
            "summary": "“Tôi đã xem” tapped on a phone (possibly offline): counted once per member and notice",
            "description": "Idempotent. Each id is answered: seen (counted, now or before) or unknown "
                           "(no such notice, or not one the caller may read).",
            "security": [{"session": [], "csrf": []}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "required": ["ids"], "properties": {
                    "ids": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "integer"}}}}}}},
            "responses": {"200": _ok({"type": "object", "properties": {"results": {"type": "array", "items": {
                "type": "object", "required": ["id", "status"], "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string", "enum": ["seen", "unknown"]}}}}}}),
                "400": _ERR, "401": _ERR}}},
        "/openapi.json": {"get": {
            "summary": "This description", "security": [],
            "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        "/docs": {"get": {
            "summary": "This description as a web page", "security": [],
            "responses": {"200": {"description": "HTML page"}}}},
    },
}
