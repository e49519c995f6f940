"""Checks across a loaded plan: every reference resolves, every duty can be staffed.

Pure: a Plan in, a list of located Problems out (beancount's validation style).
"""

from __future__ import annotations

from collections.abc import Iterable

from dutyctl.core.model import Person, Plan
from dutyctl.errors import Problem, unknown


def check_plan(plan: Plan) -> list[Problem]:
    problems: list[Problem] = []
    people = set(plan.people)
    channels = set(plan.channels)
    metrics = set(plan.metrics)
    departments = set(plan.departments)
    skills = set(plan.skills) if plan.skills is not None else None

    def ref(kind: str, value: str | None, known: Iterable[str], path: str) -> None:
        if value is not None and value not in known:
            message, hint = unknown(kind, value, known)
            problems.append(Problem(plan.where(path), f"{path}: {message}", hint))

    ref("person", plan.coordinator, people, "coordinator")
    for department in plan.departments.values():
        ref("person", department.coordinator, people, f"departments.{department.id}.coordinator")
    for channel in plan.channels.values():
        ref("person", channel.owner, people, f"channels.{channel.id}.owner")

    for person in plan.roster:
        path = f"roster.{person.id}"
        if plan.departments or person.department is not None:
            ref("department", person.department, departments, f"{path}.department")
        for i, channel_id in enumerate(person.channels):
            ref("channel", channel_id, channels, f"{path}.channels[{i}]")
        if skills is not None:
            for i, skill in enumerate(person.skills):
                ref("skill", skill, skills, f"{path}.skills[{i}]")
        if person.active_from and person.active_until and person.active_from > person.active_until:
            problems.append(
                Problem(
                    plan.where(f"{path}.until"),
                    f"{path}: 'from' {person.active_from} is after 'until' {person.active_until}",
                    "'until' is the last day on the team; it cannot come before 'from'",
                )
            )

    known_skills = skills if skills is not None else {s for p in plan.roster for s in p.skills}
    for duty in plan.duties.values():
        path = f"duties.{duty.id}"
        for i, channel_id in enumerate(duty.channels):
            ref("channel", channel_id, channels, f"{path}.channels[{i}]")
        for metric in duty.kpi:
            ref("metric", metric, metrics, f"{path}.kpi.{metric}")
        ref("department", duty.department, departments, f"{path}.department")
        for i, skill in enumerate(duty.requires):
            if skill not in known_skills:
                message, hint = unknown("skill", skill, known_skills)
                problems.append(
                    Problem(
                        plan.where(f"{path}.requires[{i}]"),
                        f"{path}.requires: no one in the roster has the skill '{skill}'",
                        hint if skills is None else message + "; " + hint,
                    )
                )
        pool = [p for p in plan.roster if qualifies(p, plan, duty.id)]
        if len(pool) < duty.people:
            needs = [f"skills {', '.join(duty.requires)}"] if duty.requires else []
            if duty.department:
                needs.append(f"department {duty.department}")
            if duty.channels:
                needs.append(f"a channel of {', '.join(duty.channels)}")
            problems.append(
                Problem(
                    plan.where(f"{path}.people"),
                    f"{path}: needs {duty.people} people per slot but only {len(pool)} "
                    f"in the roster qualify" + (f" ({'; '.join(needs)})" if needs else ""),
                    "lower 'people', or give more people what the duty requires",
                )
            )

    for i, goal in enumerate(plan.goals):
        ref("metric", goal.metric, metrics, f"goals[{i}].metric")
        ref("channel", goal.channel, channels, f"goals[{i}].channel")
    if plan.award is not None:
        ref("department", plan.award.department, departments, "award.department")

    for i, override in enumerate(plan.overrides):
        path = f"overrides[{i}]"
        ref("duty", override.duty, plan.duties, f"{path}.duty")
        ref("person", override.from_person, people, f"{path}.from")
        ref("person", override.to_person, people, f"{path}.to")
        if override.date < plan.start:
            problems.append(
                Problem(
                    plan.where(f"{path}.date"),
                    f"{path}: {override.date} is before the plan's start {plan.start}",
                    "the rotation starts on 'start'; remove the override or move it",
                )
            )
        if override.from_person == override.to_person:
            problems.append(
                Problem(
                    plan.where(f"{path}.to"),
                    f"{path}: 'from' and 'to' are the same person ({override.to_person})",
                    "an override gives a slot to someone else: change 'to', or remove the "
                    "override",
                )
            )
    return problems


def qualifies(person: Person, plan: Plan, duty_id: str) -> bool:
    """Whether a person could ever take a duty (skills, department, channels), dates aside."""
    duty = plan.duties[duty_id]
    if any(skill not in person.skills for skill in duty.requires):
        return False
    if duty.department is not None and person.department != duty.department:
        return False
    if duty.channels and person.channels and not set(duty.channels) & set(person.channels):
        return False
    return True
