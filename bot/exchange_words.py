"""The words of the showcase's exchange and form pages, through the message catalogue."""

from __future__ import annotations

from bot.i18n import _, ngettext, number


def labels() -> dict[str, str]:
    """The form pages' fixed words in the current language."""
    return {
        "exchanges": _("Experience exchanges"),
        "exchanges_intro": _(
            "Meet organisations that already take part and hear what their pilots taught them. "
            "Open to public organisations and startups that are not yet in the programme."
        ),
        "no_exchanges": _("No experience exchange is planned right now."),
        "take_part": _("We want to take part"),
        "take_part_intro": _(
            "Tell the programme's team who you are, and they will contact you about taking "
            "part. Fields marked as required must be filled in."
        ),
        "when": _("When"),
        "place": _("Place"),
        "video": _("Online, by video link"),
        "agenda": _("Agenda"),
        "seats": _("Seats"),
        "deadline": _("Register by"),
        "register": _("Register"),
        "register_button": _("Send registration"),
        "waitlist_button": _("Join the waitlist"),
        "send": _("Send"),
        "full": _(
            "Every seat is taken. You can join the waitlist: we will contact you if a seat "
            "comes free."
        ),
        "closed": _(
            "Registration has closed. You can join the waitlist: we will contact you if a seat "
            "comes free."
        ),
        "over": _("This exchange has already taken place or was cancelled."),
        "required": _("required"),
        "name": _("Name"),
        "organisation": _("Organisation"),
        "role": _("Your role"),
        "email": _("E-mail address"),
        "email_hint": _("Only the programme's team sees your e-mail address."),
        "learn": _("What do you want to learn?"),
        "kind": _("You are"),
        "kind_public": _("A public organisation"),
        "kind_startup": _("A startup"),
        "message": _("Message"),
        "trap": _("Leave this field empty"),
        "errors_title": _("Please correct the fields marked below."),
        "thanks": _("Thank you, we have received your registration."),
        "thanks_interest": _(
            "Thank you. The programme's team has received your message and will contact you."
        ),
        "your_registration": _("Your registration"),
        "private_link": _(
            "Keep this page's address: it is your private link to your registration. Anyone "
            "with the link can see it."
        ),
        "state": _("State"),
        "state_requested": _("Received: the programme's team will confirm your seat."),
        "state_confirmed": _("Confirmed: you have a seat. Welcome!"),
        "state_declined": _("Declined: we could not offer you a seat this time."),
        "state_waitlisted": _("On the waitlist: we will contact you if a seat comes free."),
        "calendar": _("Add to your calendar (.ics)"),
        "back": _("Back to the exchange"),
        "refused_title": _("The form could not be sent"),
        "refused_csrf": _(
            "The form was too old or was not sent from this site. Nothing was saved. Please "
            "open the form again and send it once more."
        ),
        "refused_rate": _(
            "Many forms were sent from your address in a short time. Nothing was saved. Please "
            "wait ten minutes and try again."
        ),
        "refused_size": _("The form was too large to be read. Nothing was saved."),
        "refused_duplicate": _(
            "This e-mail address is already registered for this exchange. Use the link from "
            "your first registration to see its state, or contact the programme's team."
        ),
        "open_form": _("Open the form again"),
    }


def seats_left(count: int) -> str:
    """How many seats are still free."""
    return ngettext("{count} seat left", "{count} seats left", count).format(count=number(count))
