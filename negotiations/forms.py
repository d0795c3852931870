"""The set-up forms: a new negotiation, its people, its sessions and their agenda, and records staff's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiations.models import Delegation, Membership, Negotiation, Party
from negotiations.text import RecordText, refusal, time_zone_names


def one_line(value: str, what: str) -> str:
    error = refusal(value, what=str(what), multiline=False)
    if error is not None:
        raise error
    return value


class NewNegotiationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, validators=[RecordText()])
    other_parties = forms.CharField(
        label=_("The other parties"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Your own party is added for you; a name not known yet creates that party."),
        error_messages={"required": _("Name at least one other party, one per line.")},
    )
    format = forms.ChoiceField(label=_("Format"), choices=Negotiation.Format.choices)
    package_rule = forms.BooleanField(
        label=_("Nothing is agreed until everything is agreed"),
        required=False,
        help_text=_("Every agreed point stays provisionally agreed until the whole package is concluded."),
    )
    working_languages = forms.CharField(
        label=_("Working languages"),
        required=False,
        help_text=_("Language codes separated by commas, e.g. en, fr"),
    )
    classification = forms.CharField(
        label=_("Classification"), max_length=60, initial="UNCLASSIFIED", validators=[RecordText()]
    )
    secretariat_keeps_record = forms.BooleanField(
        label=_("A neutral secretariat keeps the record"),
        required=False,
        help_text=_("Its consents and approvals then stand for every party; otherwise each party binds only itself."),
    )

    def clean_other_parties(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["other_parties"].splitlines() if line.strip()]
        for name in names:
            one_line(name, _("party name"))
            if len(name) > 200:
                raise forms.ValidationError(_("A party's name has at most 200 characters."))
        return names

    def clean_working_languages(self) -> list[str]:
        return [code.strip() for code in self.cleaned_data["working_languages"].split(",") if code.strip()]


ROLE_CHOICES = Membership.Role.choices


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Membership.Role.NOTE_TAKER)


class RemoveMemberForm(forms.Form):
    username = forms.CharField(max_length=150)


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Membership.Role.NOTE_TAKER)

    def __init__(self, *args, negotiation: Negotiation, own_party_id: int | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"] = forms.ModelChoiceField(
            label=_("For"),
            queryset=negotiation.parties.exclude(pk=own_party_id) if own_party_id else negotiation.parties.all(),
            required=False,
            empty_label=_("a member of my delegation"),
            help_text=_("Another party is invited by its head: choose the party and the role head of delegation."),
        )


class ScheduleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, validators=[RecordText()])
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give the date as year-month-day, e.g. 2026-12-03.")},
    )
    time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Give the time as hours:minutes, e.g. 09:30.")},
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False, validators=[RecordText()])
    time_zone = forms.ChoiceField(
        label=_("Time zone of the place"),
        initial="UTC",
        error_messages={"invalid_choice": _("Pick a time zone from the list, e.g. Europe/Paris.")},
    )

    def __init__(self, *args, **kwargs) -> None:

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in time_zone_names()]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=300, validators=[RecordText()])


class AgendaRemoveForm(forms.Form):
    position = forms.IntegerField(min_value=1)
    # the title the head saw at that place: another head may have reordered the agenda meanwhile
    seen = forms.CharField(required=False, max_length=300, strip=False)


class AgendaMoveForm(AgendaRemoveForm):
    to = forms.IntegerField(min_value=1)


# --- Records staff -------------------------------------------------------------------------------------------


class StaffUserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False, validators=[RecordText()])
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Give it to the person in a safe way; they can change it later."),
    )
    delegation = forms.ModelChoiceField(
        label=_("Delegation"), queryset=Delegation.objects.all(), required=False, empty_label=_("none yet")
    )


class PartyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[RecordText()])
    short_name = forms.CharField(label=_("Short name"), max_length=20, required=False, validators=[RecordText()])

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"], _("name")).strip()
        if Party.objects.filter(name=name).exists():
            raise forms.ValidationError(_("A party of that name already exists."))
        return name


class DelegationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[RecordText()])
    party = forms.ModelChoiceField(
        label=_("Party"),
        queryset=Party.objects.all(),
        required=False,
        empty_label=_("none: a neutral secretariat, chair or mediator"),
    )

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"], _("name")).strip()
        if Delegation.objects.filter(name=name).exists():
            raise forms.ValidationError(_("A delegation of that name already exists."))
        return name


class PlacementForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    delegation = forms.ModelChoiceField(label=_("Delegation"), queryset=Delegation.objects.all())
