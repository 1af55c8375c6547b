"""Dependencies of the portal API, as `Annotated` aliases: the state, the logged-in employee,
a staff caller."""

from __future__ import annotations

import time
from typing import Annotated, cast

from fastapi import Cookie, Depends, Header, Request, Response

from issuer.api.errors import ApiError
from issuer.api.state import SESSION_COOKIE, PortalState


def get_state(request: Request) -> PortalState:
    """The service state `main.py` put on the app (Starlette's `app.state` is untyped)."""
    return cast(PortalState, request.app.state.hpf)


State = Annotated[PortalState, Depends(get_state)]


def set_session_cookie(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure,
                        path="/")


def get_employee(
    request: Request, response: Response, state: State,
    hpf_session: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> int:
    """The account id of the logged-in employee; 401 without a valid session. A session used in
    its second half is renewed for another 30 minutes (sliding expiry)."""
    found = state.sessions.read(hpf_session)
    if found is None:
        raise ApiError(401, "Please log in (the session is missing or has expired).", "请先登录（会话不存在或已过期）。")
    account_id, expires = found
    if expires - time.time() < state.sessions.lifetime / 2:  # the old cookie expires on its own
        set_session_cookie(response, state.sessions.issue(account_id), secure=request.url.scheme == "https",
                           max_age=state.sessions.lifetime)
    return account_id


Employee = Annotated[int, Depends(get_employee)]


def get_staff(state: State, x_staff_key: Annotated[str | None, Header()] = None) -> str:
    """A staff caller: header X-Staff-Key with one of the centre's staff keys; 401 otherwise."""
    if not state.is_staff(x_staff_key):
        raise ApiError(401, "Missing or unknown staff key (header X-Staff-Key).", "缺少或无效的工作人员密钥（X-Staff-Key）。")
    return x_staff_key or ""


Staff = Annotated[str, Depends(get_staff)]
