"""The state machine and the policy, each against a table written out here by hand."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.accounts.policy import (
    Act,
    Actor,
    Grant,
    Place,
    Role,
    allows,
    allows_for_groups,
    may_be_assigned,
    roles_with,
    visible_scope,
    wards_where,
)  # fmt: skip
from app.casework.workflow import Action, IllegalTransition, Status, allowed_actions, next_status

# Every (status, action) the machine allows and where it leads; anything not listed is illegal.
LEGAL = {
    ("received", "accept"): "accepted",
    ("accepted", "start"): "in_progress",
    ("accepted", "resolve"): "resolved",
    ("in_progress", "resolve"): "resolved",
    ("resolved", "close"): "closed",
    ("received", "reject"): "rejected",
    ("accepted", "reject"): "rejected",
    ("resolved", "reopen"): "in_progress",
    ("closed", "reopen"): "in_progress",
    ("received", "transfer"): "received",
    ("accepted", "transfer"): "received",
    ("in_progress", "transfer"): "received",
    ("received", "mark_duplicate"): "closed",
    ("accepted", "mark_duplicate"): "closed",
    ("in_progress", "mark_duplicate"): "closed",
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(list(Status), list(Action))))
def test_every_status_and_action_against_the_hand_written_table(status, action):
    expected = LEGAL.get((str(status), str(action)))
    if expected is None:
        with pytest.raises(IllegalTransition):
            next_status(status, action)
    else:
        assert next_status(status, action) == expected
    # A closed duplicate is final: nothing at all may happen to it.
    with pytest.raises(IllegalTransition):
        next_status(status, action, duplicate=True)


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_rejected_is_absorbing_and_closed_comes_only_from_resolved_or_a_duplicate(actions):
    status = Status.RECEIVED
    for action in actions:
        try:
            after = next_status(status, action)
        except IllegalTransition:
            assert action not in allowed_actions(status)
            continue
        assert action in allowed_actions(status)
        assert status != Status.REJECTED
        if after == Status.CLOSED:
            assert status == Status.RESOLVED or action == Action.MARK_DUPLICATE
        status = after
    assert allowed_actions(Status.REJECTED) == []


OWN, OTHER_WARD_SAME_PROVINCE, OTHER_PROVINCE = Place(1, 10), Place(2, 10), Place(3, 20)

# What each role may do at its own place, written out by hand (Y yes, . no), in this order:
COLUMNS = ("view", "view_contact", "work", "take", "assign", "reject", "transfer", "mark_duplicate",
           "escalate", "reopen", "supervise", "publish", "sign_apology", "file_assisted",
           "manage_accounts", "manage_keys", "consult", "moderate", "verify_resident", "answer_proposal",
           "track_proposal", "request_explanation", "answer_inspection", "publish_supervision",
           "keep_households", "run_decision", "cast_for_household", "run_survey",
           "read_survey_comments", "set_proposal_rules")  # fmt: skip
EXPECTED_GRANTS = {
    # view, contact, work, take, assign, reject, transfer, duplicate, escalate, reopen, supervise, publish,
    # sign, file, accounts, keys, consult, moderate, verify resident, answer proposal, track proposal,
    # request explanation, answer inspection, publish supervision report, keep households, run a
    # household decision, cast a ballot for a household at the counter, run survey, read survey comments,
    # set proposal rules
    "officer":             "Y Y Y Y . . Y Y . Y . . . Y . . . . . . Y . . . . . . . Y .",
    "ward_lead":           "Y Y Y Y Y Y Y Y Y Y . Y Y Y . . Y Y Y Y Y . Y . Y Y Y Y Y Y",
    "clerk":               "Y . . . . . . . . . . . . Y . . . . Y . . . . . . . Y . . .",
    "inspector":           "Y . . . . . . . . . Y . . . . . . . . . . Y . Y . . . . . .",
    "province_supervisor": "Y Y Y . Y . Y . . Y . . . . Y . . . . . . . . . . . . . . .",
    "group_head":          ". . . . . . . . . . . . . . . . . . Y . . . . . Y Y . . . .",
}  # fmt: skip


def actor_with(role: Role) -> Actor:
    if role == Role.PROVINCE_SUPERVISOR:
        return Actor(7, "x", grants=(Grant(role, province_id=10),))
    return Actor(7, "x", grants=(Grant(role, ward_id=1),))


def test_the_table_names_every_role_and_act():
    assert set(COLUMNS) == {str(a) for a in Act} and set(EXPECTED_GRANTS) == {str(r) for r in Role}


@pytest.mark.parametrize(("role", "act"), list(itertools.product(EXPECTED_GRANTS, COLUMNS)))
def test_policy_against_the_hand_written_table(role, act):
    granted = EXPECTED_GRANTS[role].split()[COLUMNS.index(act)] == "Y"
    actor = actor_with(Role(role))
    assert allows(actor, Act(act), OWN) == granted
    # A supervisor's remit is the whole province; every other role's is its one ward.
    assert allows(actor, Act(act), OTHER_WARD_SAME_PROVINCE) == (granted and role == "province_supervisor")
    assert not allows(actor, Act(act), OTHER_PROVINCE)


# A group head's household register and decisions reach only the groups they head (5 and 6 of
# ward 1 here); ward-wide roles reach every group of their ward. (actor role, groups) → allowed.
GROUP_SCOPE = {
    ("group_head", frozenset({5})): True,
    ("group_head", frozenset({5, 6})): True,
    ("group_head", frozenset({5, 7})): False,
    ("group_head", frozenset({7})): False,
    ("group_head", frozenset()): False,
    ("ward_lead", frozenset({7})): True,
    ("ward_lead", frozenset()): True,
    ("officer", frozenset({5})): False,
}


@pytest.mark.parametrize(("role", "groups"), list(GROUP_SCOPE))
def test_group_heads_run_decisions_only_for_the_groups_they_head(role, groups):
    actor = actor_with(Role(role))
    expected = GROUP_SCOPE[(role, groups)]
    for act in (Act.RUN_DECISION, Act.KEEP_HOUSEHOLDS):
        assert allows_for_groups(actor, act, OWN, groups, frozenset({5, 6})) == expected
        assert not allows_for_groups(actor, act, OTHER_WARD_SAME_PROVINCE, groups, frozenset({5, 6}))


def test_admin_may_do_everything_everywhere_and_sees_everything():
    admin = Actor(1, "a", is_admin=True)
    assert all(allows(admin, act, OTHER_PROVINCE) for act in Act)
    assert visible_scope(admin).ward_ids is None and wards_where(admin, Act.PUBLISH) is None


def test_scopes_of_ward_roles_and_supervisors():
    scope = visible_scope(actor_with(Role.PROVINCE_SUPERVISOR))
    assert scope.ward_ids == frozenset() and scope.province_ids == frozenset({10})
    assert visible_scope(actor_with(Role.INSPECTOR)).ward_ids == frozenset({1})
    assert visible_scope(Actor(2, "nobody")).ward_ids == frozenset()
    assert visible_scope(actor_with(Role.GROUP_HEAD)).ward_ids == frozenset()  # verifies, reads no cases
    two_wards = Actor(3, "y", grants=(Grant(Role.WARD_LEAD, ward_id=1), Grant(Role.INSPECTOR, ward_id=2)))
    assert wards_where(two_wards, Act.PUBLISH) == frozenset({1})
    assert wards_where(two_wards, Act.VIEW) == frozenset({1, 2})
    assert wards_where(actor_with(Role.PROVINCE_SUPERVISOR), Act.ASSIGN) == frozenset()


@pytest.mark.parametrize(("role", "assignable"), [
    ("officer", True), ("ward_lead", True), ("clerk", False), ("inspector", False),
    ("province_supervisor", False), ("group_head", False),
])  # fmt: skip
def test_only_officers_and_leads_of_the_reports_ward_may_be_assigned(role, assignable):
    person = actor_with(Role(role))
    assert may_be_assigned(person, OWN) == assignable
    assert not may_be_assigned(person, OTHER_WARD_SAME_PROVINCE)
    assert not may_be_assigned(Actor(1, "admin", is_admin=True), OWN)


def test_only_ward_leads_sign_apology_slips():
    assert roles_with(Act.SIGN_APOLOGY) == {Role.WARD_LEAD}
