"""Sandbox twin of the population registry, seeded with Suqian residents.

API (signed): ``POST /v1/identity/verify``, ``POST /v1/persons/query``, ``POST /v1/households/query``.
Control: ``GET /people``, ``POST /people`` (add a resident; birth date and sex come from
the ID number; a ``phone`` given is also real-name registered to them at the operators — the
telecom twin's directory — unless someone else holds it there), ``POST /households`` (register known
residents as one household, the head first; a person is on one household at most), plus the common
``/faults`` routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._seed import (
    NAMED_CHILDREN,
    NAMED_HOUSEHOLDS,
    SUQIAN_AREAS,
    Resident,
    Subscriber,
    all_residents,
)
from integrations._twin import Twin, TwinContext, new_twin
from integrations.errors import InvalidIdNumber
from integrations.idnumber import parse_id_number
from integrations.population.schemas import (
    Household,
    HouseholdMember,
    PersonAttributes,
    PersonQuery,
    VerifyOutcome,
    VerifyRequest,
    VerifyResponse,
)

__all__ = ["NewPerson", "PopulationState", "create_twin"]


class NewPerson(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Body of ``POST /people``."""

    name: str
    id_number: str
    phone: str = ""
    address: str = ""
    ethnicity: str = "汉族"
    deceased: bool = False


class NewMember(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id_number: str
    relation: str


class NewHousehold(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Body of ``POST /households``: known residents, the head (户主) first."""

    members: list[NewMember]
    # The registered address (户籍地址); the head's address when not given.
    address: str = ""


@dataclass(slots=True)
class PopulationState:
    people: dict[str, Resident] = field(default_factory=dict)
    verifications: int = 0
    # Household number → [(ID number, relation to the head)]; its address; who is on which.
    households: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    household_of: dict[str, str] = field(default_factory=dict)

    def add_household(self, number: str, members: list[tuple[str, str]], address: str = "") -> None:
        self.households[number] = members
        self.addresses[number] = address or self.people[members[0][0]].address
        for id_number, _ in members:
            self.household_of[id_number] = number

    def household(self, id_number: str) -> Household | None:
        number = self.household_of.get(id_number)
        if number is None:
            return None
        members = [(self.people[i], relation) for i, relation in self.households[number]]
        head = members[0][0]
        return Household(
            household_no=number,
            address=self.addresses[number],
            area_code=head.area_code,
            members=[
                HouseholdMember(
                    name=p.name,
                    id_number=p.id_number,
                    relation=relation,
                    sex="male" if p.sex == "male" else "female",
                    birth_date=p.birth_date,
                )
                for p, relation in members
            ],
        )


def _attributes(person: Resident) -> PersonAttributes:
    return PersonAttributes(
        name=person.name,
        sex="male" if person.sex == "male" else "female",
        birth_date=person.birth_date,
        ethnicity=person.ethnicity,
        area_code=person.area_code,
        address=person.address,
        alive=not person.deceased,
    )


def create_twin(context: TwinContext) -> Twin:
    """The population twin with the named residents plus seeded ones."""
    residents = [*all_residents(context.seed), *NAMED_CHILDREN]
    state = PopulationState(people={p.id_number: p for p in residents})
    for number, members in NAMED_HOUSEHOLDS.items():
        state.add_household(number, members)
    twin, router = new_twin("population", context, state)

    @router.route("POST", "/v1/identity/verify")
    async def verify(request: Request) -> Response:
        body = request.json(VerifyRequest)
        state.verifications += 1
        person = state.people.get(body.id_number.upper())
        result: VerifyOutcome
        if person is None:
            result = "not_found"
        elif person.deceased:
            result = "deceased"
        elif person.name == body.name.strip():
            result = "match"
        else:
            result = "mismatch"
        request_id = f"PV{state.verifications:010d}"
        return json_response(VerifyResponse(result=result, request_id=request_id))

    @router.route("POST", "/v1/persons/query")
    async def query(request: Request) -> Response:
        body = request.json(PersonQuery)
        person = state.people.get(body.id_number.upper())
        if person is None:
            raise HttpError(404, "person_not_found", "no such person in the registry")
        return json_response(_attributes(person))

    @router.route("POST", "/v1/households/query")
    async def household(request: Request) -> Response:
        body = request.json(PersonQuery)
        id_number = body.id_number.upper()
        if id_number not in state.people:
            raise HttpError(404, "person_not_found", "no such person in the registry")
        found = state.household(id_number)
        if found is None:
            raise HttpError(404, "household_not_found", "the person is on no household register here")
        return json_response(found)

    @router.route("POST", "/households", control=True)
    async def add_household(request: Request) -> Response:
        body = request.json(NewHousehold)
        if not body.members:
            raise HttpError(422, "no_members", "a household has at least its head")
        members: list[tuple[str, str]] = []
        for member in body.members:
            id_number = member.id_number.upper()
            if id_number not in state.people:
                raise HttpError(422, "person_not_found", f"unknown person {id_number[:6]}...")
            if id_number in state.household_of:
                raise HttpError(409, "already_registered", "the person is on another household")
            members.append((id_number, member.relation))
        head = state.people[members[0][0]]
        number = f"{head.area_code}{len(state.households) + 1:06d}"
        while number in state.households:
            number = f"{head.area_code}{int(number[6:]) + 1:06d}"
        state.add_household(number, members, body.address)
        found = state.household(members[0][0])
        return json_response(found, status=201)

    @router.route("GET", "/people", control=True)
    async def list_people(_: Request) -> Response:
        return json_response(list(state.people.values()))

    @router.route("POST", "/people", control=True)
    async def add_person(request: Request) -> Response:
        body = request.json(NewPerson)
        try:
            parsed = parse_id_number(body.id_number)
        except InvalidIdNumber as exc:
            raise HttpError(422, "invalid_id_number", exc.reason) from None
        if parsed.value in state.people:
            raise HttpError(409, "person_exists")
        area = SUQIAN_AREAS.get(parsed.region_code, "")
        person = Resident(
            name=body.name,
            id_number=parsed.value,
            phone=body.phone,
            sex=parsed.sex,
            birth_date=parsed.birth_date,
            area_code=parsed.region_code,
            address=body.address or f"江苏省宿迁市{area}",
            ethnicity=body.ethnicity,
            deceased=body.deceased,
        )
        state.people[person.id_number] = person
        if person.phone:
            context.mobiles.register(Subscriber(person.phone, person.name, person.id_number))
        return json_response(person, status=201)

    return twin
