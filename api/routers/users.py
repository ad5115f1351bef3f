"""User administration (functioneel beheerder) and the role catalogue."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from api.routers.common import MAX_LIMIT
from api.deps import CurrentUser, SessionDep, permitted, UnitOfWorkRoute
from api.schemas.identity import RoleOut, UserCreate, UserOut, UserUpdate
from engine.identity import admin
from engine.identity.models import User
from engine.identity.roles import known_roles

router = APIRouter(tags=["gebruikers"], route_class=UnitOfWorkRoute)

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "Niet aangemeld", **PROBLEM}, 403: {"description": "Geen toegang", **PROBLEM}}
Admin = Annotated[User, Depends(permitted(admin.require_user_admin))]
UserId = Annotated[int, Path(title="Gebruiker", ge=1, le=2**31 - 1)]


@router.get("/rollen", response_model=list[RoleOut], summary="De rollen", responses=ERRORS)
def roles(user: CurrentUser) -> list[RoleOut]:
    return [RoleOut(code=code, label=label) for code, label in known_roles().items()]


@router.get("/gebruikers", response_model=list[UserOut], summary="Alle gebruikers, op gebruikersnaam, per pagina",
            responses={200: {"headers": {"Link": {"description": "<…?na=…>; rel=\"next\" als er meer gebruikers zijn",
                                                  "schema": {"type": "string"}}}}, **ERRORS,
                       422: {"description": "Ongeldige gegevens", **PROBLEM}})
def list_users(request: Request, response: Response, admin_user: Admin, session: SessionDep,
               limit: Annotated[int, Query(title="Aantal per pagina", ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
               na: Annotated[str | None, Query(title="Na (volgende pagina)", min_length=1, max_length=100, description=(
                   "Vervolgpositie: de laatste gebruikersnaam van de vorige pagina (keyset)"))] = None) -> list[UserOut]:
    users = admin.list_users(session=session, by=admin_user, limit=limit + 1, after=na)
    if len(users) > limit:
        users = users[:limit]
        url = request.url.remove_query_params(["na"]).include_query_params(na=users[-1].username, limit=limit)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return [UserOut.of(u) for u in users]


@router.get("/gebruikers/{user_id}", response_model=UserOut, summary="Eén gebruiker",
            responses={**ERRORS, 404: {"description": "Niet gevonden", **PROBLEM}})
def get_user(user_id: UserId, admin_user: Admin, session: SessionDep) -> UserOut:
    return UserOut.of(admin.get_user(session=session, by=admin_user, user_id=user_id))


@router.post("/gebruikers", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Gebruiker toevoegen",
             responses={**ERRORS, 422: {"description": "Ongeldige gegevens", **PROBLEM}})
def create_user(body: UserCreate, admin_user: Admin, session: SessionDep) -> UserOut:
    user = admin.add_user(session=session, by=admin_user, username=body.username, display_name=body.display_name,
                          roles=body.roles, unit=body.unit, manager_id=body.manager_id,
                          password=body.password, email=body.email)
    return UserOut.of(user)


@router.put("/gebruikers/{user_id}", response_model=UserOut, summary="Rollen, dienstonderdeel en leidinggevende wijzigen",
            description="Een ingetrokken rol neemt het werk mee: opgepakte open taken van die rol gaan terug naar de "
                        "pool van de rol (geaudit).",
            responses={**ERRORS, 404: {"description": "Niet gevonden", **PROBLEM},
                       422: {"description": "Ongeldige gegevens", **PROBLEM}})
def change_user(user_id: UserId, body: UserUpdate, admin_user: Admin, session: SessionDep) -> UserOut:
    user, _ = admin.change_user(session=session, by=admin_user, user_id=user_id, roles=body.roles, unit=body.unit,
                                manager_id=body.manager_id)
    return UserOut.of(user)


@router.post("/gebruikers/{user_id}/blokkeren", response_model=UserOut, summary="Gebruiker blokkeren",
             responses={**ERRORS, 404: {"description": "Niet gevonden", **PROBLEM}})
def disable_user(user_id: UserId, admin_user: Admin, session: SessionDep) -> UserOut:
    user = admin.disable_user(session=session, by=admin_user, user_id=user_id)
    return UserOut.of(user)
