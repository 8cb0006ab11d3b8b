"""The state machine (property-based) and the policy matrix (every role × act × scope)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.accounts.policy import GRANTS, Act, Actor, Grant, Place, Role, allows, visible_scope
from app.casework.workflow import (
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    next_status,
)  # fmt: skip


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_no_sequence_of_actions_reaches_an_illegal_state(actions):
    status = Status.RECEIVED
    for action in actions:
        legal = action in allowed_actions(status)
        try:
            after = next_status(status, action)
        except IllegalTransition:
            assert not legal
            continue
        assert legal
        sources, target = TRANSITIONS[action]
        assert status in sources and after == target
        status = after
    assert status in set(Status)


def test_terminal_and_open_states():
    assert allowed_actions(Status.REJECTED) == []
    assert set(allowed_actions(Status.CLOSED)) == {Action.REOPEN}
    for status in OPEN_STATUSES:
        assert Action.TRANSFER in allowed_actions(status)
    with pytest.raises(IllegalTransition):
        next_status(Status.RECEIVED, Action.CLOSE)


OWN, OTHER_WARD_SAME_PROVINCE, OTHER_PROVINCE = Place(1, 10), Place(2, 10), Place(3, 20)


def actor_with(role: Role) -> Actor:
    if role == Role.PROVINCE_SUPERVISOR:
        return Actor(7, "x", grants=(Grant(role, province_id=10),))
    return Actor(7, "x", grants=(Grant(role, ward_id=1),))


@pytest.mark.parametrize(("role", "act"), list(itertools.product(list(Role), list(Act))))
def test_policy_matrix(role, act):
    actor = actor_with(role)
    granted = act in GRANTS[role]
    assert allows(actor, act, OWN) == granted
    # A supervisor's remit is the province; every other role's is one ward.
    in_province = granted and role == Role.PROVINCE_SUPERVISOR
    assert allows(actor, act, OTHER_WARD_SAME_PROVINCE) == in_province
    assert not allows(actor, act, OTHER_PROVINCE)


WRITES = set(Act) - {Act.VIEW, Act.VIEW_CONTACT}


def test_no_ward_role_can_write_to_another_ward():
    for role in (Role.OFFICER, Role.WARD_LEAD, Role.CLERK, Role.INSPECTOR):
        actor = actor_with(role)
        for act in WRITES:
            assert not allows(actor, act, OTHER_WARD_SAME_PROVINCE), (role, act)


def test_inspectors_read_but_only_write_supervision_notes():
    inspector = actor_with(Role.INSPECTOR)
    assert allows(inspector, Act.VIEW, OWN)
    assert [a for a in WRITES if allows(inspector, a, OWN)] == [Act.SUPERVISE]
    assert not allows(inspector, Act.VIEW_CONTACT, OWN)


def test_only_leads_assign_reject_escalate_publish_and_sign():
    for act in (Act.ASSIGN, Act.REJECT, Act.ESCALATE, Act.PUBLISH, Act.SIGN_APOLOGY):
        assert allows(actor_with(Role.WARD_LEAD), act, OWN)
        assert not allows(actor_with(Role.OFFICER), act, OWN)


def test_admin_may_do_everything_and_scopes():
    admin = Actor(1, "a", is_admin=True)
    assert all(allows(admin, act, OTHER_PROVINCE) for act in Act)
    assert visible_scope(admin).ward_ids is None
    scope = visible_scope(actor_with(Role.PROVINCE_SUPERVISOR))
    assert scope.ward_ids == frozenset() and scope.province_ids == frozenset({10})
    assert visible_scope(Actor(2, "nobody")).ward_ids == frozenset()
