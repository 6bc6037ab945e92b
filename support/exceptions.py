"""Why a support action was not carried out. Messages are written for staff."""


class SupportActionError(Exception):
    """A staff action was not carried out; ``str(exc)`` says why, for the staff member."""


class ActionAlreadyDone(SupportActionError):
    """The same form was sent again (double click, back button, reload): the first one
    already did it, so nothing more was done and nothing new is logged."""
