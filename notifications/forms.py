"""The preferences form: a checkbox per event and channel, and the LINE user ID."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from notifications.models import Channel, Event, Preference, Timing
from notifications.services import LINE_USER_ID, LINE_USER_ID_ERROR, bilingual

CHOOSABLE = (Channel.EMAIL, Channel.LINE)
LINE_USER_ID_MISSING = gettext_noop("LINE user ID: enter it to receive notifications by LINE.")


def field_name(event: str, channel: str) -> str:
    return f"{event}__{channel}"


def timing_name(event: str) -> str:
    return f"{event}__timing"


def choosable_events() -> list[tuple[str, Any]]:
    """The events a person chooses channels for (the digest is how some of them arrive, not an event of its own)."""
    return [(event, label) for event, label in Event.choices if event != Event.DIGEST]


class PreferenceForm(forms.Form):
    line_user_id = forms.CharField(
        label=_("LINE user ID"),
        required=False,
        max_length=33,
        help_text=_("The ID the agency's LINE Official Account gives you, starting with U."),
    )

    def __init__(self, *args: Any, preference: Preference, **kwargs: Any) -> None:
        initial: dict[str, Any] = {"line_user_id": preference.line_user_id}
        for event, _label in choosable_events():
            chosen = preference.channels_for(event)
            for channel in CHOOSABLE:
                initial[field_name(event, channel)] = channel in chosen
            initial[timing_name(event)] = preference.timing_for(event)
        # Callers pass data (and files) positionally, never the initial values this form computes.
        super().__init__(*args, initial=initial, **kwargs)  # type: ignore[misc]
        for event, event_label in choosable_events():
            timing_label = f"{_('When the email is sent')}: {event_label}"
            self.fields[timing_name(event)] = forms.ChoiceField(
                label=timing_label,
                choices=Timing.choices,
                required=False,
                widget=forms.Select(attrs={"aria-label": timing_label}),
            )
            for channel in CHOOSABLE:
                label = f"{Channel(channel).label}: {event_label}"
                self.fields[field_name(event, channel)] = forms.BooleanField(
                    label=label,
                    required=False,
                    disabled=channel == Channel.LINE and not settings.LINE_ENABLED,
                    widget=forms.CheckboxInput(attrs={"aria-label": label}),
                )

    def clean_line_user_id(self) -> str:
        value = self.cleaned_data["line_user_id"].strip()
        if value and not LINE_USER_ID.match(value):
            raise forms.ValidationError(bilingual(LINE_USER_ID_ERROR))
        return value

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        wants_line = any(cleaned.get(field_name(event, Channel.LINE)) for event, _label in choosable_events())
        if (
            wants_line
            and settings.LINE_ENABLED
            and not cleaned.get("line_user_id")
            and "line_user_id" not in self.errors
        ):
            self.add_error("line_user_id", bilingual(LINE_USER_ID_MISSING))
        return cleaned

    def channels_by_event(self) -> dict[str, list[str]]:
        return {
            event: [channel for channel in CHOOSABLE if self.cleaned_data.get(field_name(event, channel))]
            for event, _label in choosable_events()
        }

    def timing_by_event(self) -> dict[str, str]:
        return {
            # A form posted without a timing (an older page) keeps the person's current choice.
            event: self.cleaned_data.get(timing_name(event)) or self.initial[timing_name(event)]
            for event, _label in choosable_events()
        }

    def rows(self) -> list[dict]:
        """One row per event for the template: its label and its bound checkboxes."""
        return [
            {
                "label": label,
                "email": self[field_name(event, Channel.EMAIL)],
                "line": self[field_name(event, Channel.LINE)],
                "timing": self[timing_name(event)],
            }
            for event, label in choosable_events()
        ]
