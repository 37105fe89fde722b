"""One small state machine for every workflow (STYLE.md 7).

A feature declares its workflow as a table: which ``Transition`` leads from
which state(s) to which, and the ``Permission`` the actor must hold for it.
``transition(obj, to, actor=, now=)`` is then the only way a status changes:
it checks the row version the user saw, the table, the permission and any
guard, sets the status, flushes (the model's ``version_id_col`` bumps the
version and catches a concurrent update), and writes the audit event with
the from/to states in the caller's transaction. It never commits.

Which role an actor holds toward an object (an enterprise member toward the
enterprise's self-check, an officer toward a case of their department) is
answered by the workflow's ``role_of`` function, supplied by the feature;
access to the object itself is the loaders' business (STYLE.md 10).

The exceptions carry a user ``message`` (lazy gettext) and an HTTP
``status_code`` so that ``portal/errors.py`` can map them once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from portal.core.audit import AuditEvent, record_event
from portal.core.errors import DomainError
from portal.core.permissions import Permission, Role, role_has

logger = logging.getLogger(__name__)

S = TypeVar("S", bound=StrEnum)

#: ``guard(session, obj, actor)`` returns why the transition is refused now, or None.
Guard = Callable[[Session, Any, Any], Any]
#: ``role_of(obj, actor)`` returns the role the actor holds toward the object, if any.
RoleOf = Callable[[Any, Any], Role | None]


class WorkflowError(DomainError):
    """A transition was refused; ``message`` is for the user, ``status_code`` for the page.

    A domain error, so that ``portal/errors.py`` renders any that a route does not handle.
    """

    status_code = 409
    message: Any = _l("This action is not possible at this stage.")

    def __init__(self, detail: str = "", *, message: Any = None) -> None:
        # ``detail`` is for logs; the user sees ``message`` (the class's unless given).
        Exception.__init__(self, detail or self.__class__.__name__)
        self.field = None
        if message is not None:
            self.message = message


class InvalidTransition(WorkflowError):
    """The object's current state does not lead to the requested one (409)."""


class TransitionForbidden(WorkflowError):
    """The actor's role may not take this transition (403)."""

    status_code = 403
    message = _l("You are not allowed to take this action.")


class StaleObject(WorkflowError):
    """The object changed since the user loaded the page (409); nothing was changed."""

    message = _l("Someone else changed this record while you were looking at it. "
                 "Check the current details and try again.")


class ConcurrentUpdate(StaleObject):
    """Another transaction changed the row between loading and flushing (409).

    The session's transaction is then unusable; the caller rolls back.
    """


@dataclass(frozen=True)
class Transition(Generic[S]):
    """One row of a transition table: from ``source`` (one state or several) to ``target``.

    The actor's role must hold ``permission``. ``name`` is the action
    (``submit``, ``revoke``) that templates use to pick their action partial;
    ``guard(session, obj, actor)`` may refuse with a reason (a rule the table
    cannot express, such as "the last administrator stays"); ``event`` is the
    audit action's verb (default: the target state's value, so
    ``selfcheck.submitted``).
    """

    source: S | Iterable[S]
    target: S
    permission: Permission
    name: str | None = None
    guard: Guard | None = field(default=None, compare=False)
    event: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.source, StrEnum):
            object.__setattr__(self, "source", frozenset([self.source]))
        else:
            object.__setattr__(self, "source", frozenset(self.source))

    @property
    def sources(self) -> frozenset[S]:
        """Return the states this transition leads from."""
        return self.source  # type: ignore[return-value]

    @property
    def action(self) -> str:
        """Return the action's name (default: the target state's value)."""
        return self.name or self.target.value

    @property
    def audit_verb(self) -> str:
        """Return the second half of the audit action."""
        return self.event or self.target.value


#: Every workflow, by the model class whose status it moves.
_REGISTRY: dict[type, Workflow[Any]] = {}


class Workflow(Generic[S]):
    """The transition table of one model's status attribute."""

    def __init__(self, model: type, *, states: type[S], transitions: Iterable[Transition[S]],
                 role_of: RoleOf, audit_area: str, object_type: str,
                 attribute: str = "status", invalid_message: Any = None,
                 register: bool = True) -> None:
        mapper: Mapper[Any] = inspect(model)
        if mapper.version_id_col is None:
            raise ValueError(f"{model.__name__} has no version_id_col; a workflow needs one")
        if attribute not in mapper.attrs:
            raise ValueError(f"{model.__name__} has no attribute {attribute!r}")
        self.model = model
        #: The attribute holding the optimistic-lock version (``version`` in our models).
        self.version_attribute = mapper.get_property_by_column(mapper.version_id_col).key
        self.states = states
        self.attribute = attribute
        self.role_of = role_of
        self.audit_area = audit_area
        self.object_type = object_type
        self.invalid_message = invalid_message
        self._table: dict[tuple[S, S], Transition[S]] = {}
        for rule in transitions:
            for state in (*rule.sources, rule.target):
                if not isinstance(state, states):
                    raise ValueError(f"{state!r} is not a {states.__name__}")
            for source in rule.sources:
                if (source, rule.target) in self._table:
                    raise ValueError(f"{source.value} -> {rule.target.value} is declared twice")
                self._table[(source, rule.target)] = rule
        if register:
            if model in _REGISTRY:
                raise ValueError(f"{model.__name__} already has a workflow")
            _REGISTRY[model] = self

    @property
    def transitions(self) -> list[Transition[S]]:
        """Return the table's rows in declaration order (each once)."""
        return list(dict.fromkeys(self._table.values()))

    def state_of(self, obj: Any) -> S:
        """Return the object's current state."""
        return self.states(getattr(obj, self.attribute))

    def _target(self, to: S | str) -> S:
        try:
            return self.states(to)
        except ValueError:
            raise InvalidTransition(f"unknown state {to!r}",
                                    message=self.invalid_message) from None

    def check(self, obj: Any, to: S | str, *, actor: Any,
              expected_version: int | None = None) -> Transition[S]:
        """Return the table row that allows ``actor`` to move ``obj`` to ``to`` now.

        The version is checked first, so a stale form is told that the object
        changed meanwhile even when the change also made its action impossible.

        :raises StaleObject: ``expected_version`` is not the object's version.
        :raises InvalidTransition: no row leads from the current state to ``to``,
            or the row's guard refuses.
        :raises TransitionForbidden: the actor's role lacks the row's permission.
        """
        version = getattr(obj, self.version_attribute)
        if expected_version is not None and expected_version != version:
            raise StaleObject(f"{self.object_type} {obj.id}: version {version}, "
                              f"form had {expected_version}")
        current, target = self.state_of(obj), self._target(to)
        rule = self._table.get((current, target))
        if rule is None:
            raise InvalidTransition(f"{self.object_type} {obj.id}: {current.value} -> "
                                    f"{target.value} is not in the table",
                                    message=self.invalid_message)
        if not role_has(self.role_of(obj, actor), rule.permission):
            raise TransitionForbidden(f"{self.object_type} {obj.id}: {rule.action} needs "
                                      f"{rule.permission.value}")
        refusal = self._refusal(rule, obj, actor)
        if refusal is not None:
            raise InvalidTransition(f"{self.object_type} {obj.id}: {rule.action} refused by "
                                    "its guard", message=refusal)
        return rule

    def _refusal(self, rule: Transition[S], obj: Any, actor: Any) -> Any:
        if rule.guard is None:
            return None
        return rule.guard(_session_of(obj), obj, actor)

    def transition(self, obj: Any, to: S | str, *, actor: Any, now: dt.datetime,
                   reason: str | None = None, expected_version: int | None = None,
                   details: dict[str, Any] | None = None) -> AuditEvent:
        """Move ``obj`` to ``to`` for ``actor``, flush, and record the audit event.

        ``reason`` is stored as the event's note; ``details`` as its facts.
        Returns the audit event. Never commits.

        :raises StaleObject: the form's version is old.
        :raises ConcurrentUpdate: another transaction changed the row meanwhile
            (detected at flush; the caller must roll back).
        :raises InvalidTransition: the table or a guard does not allow it.
        :raises TransitionForbidden: the actor may not take it.
        """
        session = _session_of(obj)
        rule = self.check(obj, to, actor=actor, expected_version=expected_version)
        # Read before the flush: after a failed flush the object cannot be loaded.
        object_id, source = obj.id, self.state_of(obj)
        setattr(obj, self.attribute, rule.target)
        try:
            session.flush()
        except StaleDataError as error:
            raise ConcurrentUpdate(f"{self.object_type} {object_id} changed in another "
                                   "transaction") from error
        event = record_event(session, action=f"{self.audit_area}.{rule.audit_verb}",
                             object_type=self.object_type, object_id=object_id, actor=actor,
                             from_state=source.value, to_state=rule.target.value,
                             details=details, note=reason, now=now)
        logger.info("%s %s moved from %s to %s (%s) by %s", self.object_type, object_id,
                    source.value, rule.target.value, rule.action, getattr(actor, "id", actor))
        return event

    def allowed(self, obj: Any, actor: Any) -> list[Transition[S]]:
        """Return the transitions ``actor`` may take from ``obj``'s current state."""
        current = self.state_of(obj)
        role = self.role_of(obj, actor)
        return [rule for rule in self.transitions
                if current in rule.sources and role_has(role, rule.permission)
                and self._refusal(rule, obj, actor) is None]


def _session_of(obj: Any) -> Session:
    session = object_session(obj)
    if session is None:
        raise ValueError(f"{obj!r} is not in a session")
    return session


def workflow_for(obj: Any) -> Workflow[Any]:
    """Return the workflow registered for ``obj``'s model.

    :raises LookupError: no workflow moves this kind of object.
    """
    for cls in type(obj).__mro__:
        if cls in _REGISTRY:
            return _REGISTRY[cls]
    raise LookupError(f"no workflow is registered for {type(obj).__name__}")


def transition(obj: Any, to: StrEnum | str, *, actor: Any, now: dt.datetime,
               reason: str | None = None, expected_version: int | None = None,
               details: dict[str, Any] | None = None) -> AuditEvent:
    """Move ``obj`` to ``to`` through its model's workflow (see ``Workflow.transition``)."""
    return workflow_for(obj).transition(obj, to, actor=actor, now=now, reason=reason,
                                        expected_version=expected_version, details=details)


def allowed_transitions(obj: Any, actor: Any) -> list[Transition[Any]]:
    """Return what ``actor`` may do with ``obj`` now (for per-state action partials)."""
    return workflow_for(obj).allowed(obj, actor)
