from audit.rules import no_evidence
from tests.audit.factories import DecisionFactory, EvidenceFactory
from tests.audit.rules.conftest import bangkok, scan


def test_an_approval_with_no_evidence_is_flagged(agency, action, submission, mayor):
    decision = DecisionFactory(action=action, decided_by=mayor, decided_at=bangkok(hour=14))

    assert [hit.key for hit in scan(no_evidence.RULE, agency)] == [f"decision:{decision.pk}"]


def test_an_approval_with_evidence_uploaded_before_it_is_not_flagged(agency, action, submission, mayor):
    EvidenceFactory(submission=submission, uploaded_at=bangkok(hour=9))
    DecisionFactory(action=action, decided_by=mayor, decided_at=bangkok(hour=14))

    assert scan(no_evidence.RULE, agency) == []


def test_evidence_removed_before_the_approval_does_not_count(agency, action, submission, mayor):
    EvidenceFactory(submission=submission, uploaded_at=bangkok(hour=9), is_removed=True)
    DecisionFactory(action=action, decided_by=mayor, decided_at=bangkok(hour=14))

    assert len(scan(no_evidence.RULE, agency)) == 1
