"""What a visit may hold, in one place: the outcomes of a door knock and the limits of what is typed.

The forms, the API, the models, the templates (web.py's template globals) and the offline scripts
(pwa/strings.py's js_rules) all read these; none writes its own copy.
"""
from flask_babel import lazy_gettext as _l


class Outcome:
    HELPED = "helped"
    NOT_HOME = "not_home"
    DECLINED = "declined"
    REVISIT = "revisit"
    ALL = (HELPED, NOT_HOME, DECLINED, REVISIT)
    # Someone must come back: the outcomes that ask when (a return date) and keep a household on the list.
    COME_BACK = (NOT_HOME, REVISIT)


OUTCOMES = Outcome.ALL

OUTCOME_NAMES = {
    Outcome.HELPED: _l("Đã hỗ trợ"),
    Outcome.NOT_HOME: _l("Không có nhà"),
    Outcome.DECLINED: _l("Từ chối"),
    Outcome.REVISIT: _l("Hẹn quay lại"),
}

MAX_NOTE = 500       # characters of a visit's note (the column is String(500))
MAX_RESIDENTS = 60   # residents of one household, and so people helped with one service in one visit
