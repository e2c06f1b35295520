"""Phone verification: a new or changed number gets a code by SMS; the member replies with it or
a lead enters it; unverified numbers are shown as such and are not paged."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from oncall import paging, services
from oncall.models import Member, PhoneVerification, SmsMessage
from oncall.verification import MAX_ATTEMPTS, verification_by_reply, verification_check

from .dates import MONDAY, chicago_at
from .test_paging import signed_post


def sent_code(phone):
    row = SmsMessage.objects.filter(purpose="verify", recipient_phone=phone).order_by("-id").first()
    return re.search(r"\b(\d{6})\b", row.body).group(1)


@pytest.mark.django_db
def test_new_member_gets_a_code_and_is_not_paged_until_verified(team, shifts):
    member = services.member_create(team=team, name="Ada", phone="+13125550140", secondary_phone="+13125550141")
    assert SmsMessage.objects.filter(purpose="verify", member=member).count() == 2
    row = PhoneVerification.objects.get(member=member, phone=member.phone)
    assert row.verified_at is None and sent_code(member.phone) not in row.code_hash  # stored hashed
    services.schedule_generate(team=team, weeks=1, start=MONDAY)
    assert paging.pages_queue_due(now=chicago_at(0, 8)) == 0  # unverified: nobody paged
    verification_check(member=member, phone=member.phone, code=sent_code(member.phone))
    assert paging.pages_queue_due(now=chicago_at(0, 8, 5)) == 1
    page = SmsMessage.objects.get(purpose="page")
    assert page.recipient_phone == member.phone  # the unverified second phone is left out


@pytest.mark.django_db
def test_changed_number_needs_a_new_verification(team, members):
    member = members[0]
    services.member_update(member=member, name="Renamed")
    assert not SmsMessage.objects.filter(purpose="verify").exists()  # same numbers: nothing to verify
    services.member_update(member=member, phone="+13125550150")
    assert SmsMessage.objects.filter(purpose="verify", recipient_phone="+13125550150").count() == 1
    assert not PhoneVerification.objects.get(member=member, phone="+13125550150").verified_at


@pytest.mark.django_db
def test_wrong_expired_and_too_many_codes_are_refused_naming_code(team):
    member = services.member_create(team=team, name="Bo", phone="+13125550142")
    with pytest.raises(ValidationError) as wrong:
        verification_check(
            member=member, phone=member.phone, code="000000" if sent_code(member.phone) != "000000" else "111111"
        )
    assert "code" in wrong.value.message_dict
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(ValidationError):
            verification_check(member=member, phone=member.phone, code="abc")
    with pytest.raises(ValidationError, match="tried too often"):
        verification_check(member=member, phone=member.phone, code=sent_code(member.phone))
    other = services.member_create(team=team, name="Cy", phone="+13125550143")
    row = PhoneVerification.objects.get(member=other)
    with pytest.raises(ValidationError, match="expired"):
        verification_check(
            member=other, phone=other.phone, code=sent_code(other.phone), now=row.sent_at + timedelta(days=2)
        )


@pytest.mark.django_db
def test_member_verifies_by_replying_with_the_code(client, monkeypatch, team):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    member = services.member_create(team=team, name="Di", phone="+13125550144")
    assert not verification_by_reply(from_phone=member.phone, body="12345")  # not a code
    signed_post(
        client, {"From": member.phone, "Body": sent_code(member.phone), "SmsStatus": "received", "MessageSid": "SMv"}
    )
    assert PhoneVerification.objects.get(member=member).verified_at is not None
    assert not SmsMessage.objects.filter(purpose="reply").exists()  # a code is not an "unknown reply"


@pytest.mark.django_db
def test_lead_enters_the_code_on_the_members_page(client, coordinator, team):
    member = services.member_create(team=team, name="Ed", phone="+13125550145")
    client.force_login(coordinator)
    page = client.get(f"/oncall/members/?team={team.pk}").content.decode()
    assert "unverified" in page and "Code for +13125550145" in page
    base = {"team": team.pk, "member": member.pk, "phone": member.phone}
    client.post("/oncall/members/", {**base, "action": "verify", "code": "99999x"})
    assert PhoneVerification.objects.get(member=member).verified_at is None
    client.post("/oncall/members/", {**base, "action": "send-code"})
    assert SmsMessage.objects.filter(purpose="verify", member=member).count() == 2
    client.post("/oncall/members/", {**base, "action": "verify", "code": sent_code(member.phone)})
    assert PhoneVerification.objects.get(member=member).verified_at is not None
    assert "unverified" not in client.get(f"/oncall/members/?team={team.pk}").content.decode()


@pytest.mark.django_db
def test_verification_can_be_switched_off(settings, team, shifts):
    settings.ONCALL_REQUIRE_VERIFIED_PHONES = False
    services.member_create(team=team, name="Flo", phone="+13125550146")
    services.schedule_generate(team=team, weeks=1, start=MONDAY)
    assert paging.pages_queue_due(now=chicago_at(0, 8)) == 1
    assert SmsMessage.objects.get(purpose="page").recipient_phone == "+13125550146"
    assert PhoneVerification.objects.get(member=Member.objects.get()).verified_at is None
