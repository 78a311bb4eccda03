"""The back office over HTTP, /api/admin/...: the same use cases and rules as /admin.

401 without a valid token; 403 (and an audit entry) for anyone who is not an administrator,
checked in the database on every request; each use case checks the role once more itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fintech_ui.api import admin_schemas as out
from fintech_ui.api import schemas
from fintech_ui.api.deps import ApiError, CurrentUser, parsed
from fintech_ui.db import now, run
from fintech_ui.services import (
    admin_audit,
    admin_orders,
    admin_products,
    admin_users,
    analytics,
)
from fintech_ui.services.admin_access import NotAuthorized, record_denied, require_admin


async def admin_id(request: Request, user: CurrentUser) -> int:
    """The caller's id when they are an active administrator now; else 403, audited."""
    try:
        await run(require_admin, actor_id=user.id, read_only=True)
    except NotAuthorized:
        action = f"api {request.method} {request.url.path}"
        await run(record_denied, actor_id=user.id, action=action, payload=None, now=now())
        raise ApiError(403, "Only an administrator can do that.") from None
    return user.id


AdminId = Annotated[int, Depends(admin_id)]
ProductBody = Annotated[out.ProductIn, Depends(parsed(out.ProductIn))]

router = APIRouter(prefix="/admin", tags=["admin"], responses=schemas.errors(401, 403))


@router.get("/products", responses=schemas.errors(422))
async def list_products(actor: AdminId, search: str = "", page: int = 1) -> out.ProductList:
    """Products, active or not, whose name or SKU contains `search`, by name, 50 a page."""
    views = await run(
        admin_products.list_products, actor_id=actor, search=search, page=page, read_only=True
    )
    return out.ProductList([out.ProductOut.from_view(view) for view in views])


@router.post(
    "/products",
    status_code=201,
    openapi_extra=schemas.json_body(out.ProductIn),
    responses=schemas.errors(400, 413) | out.FIELD_ERRORS,
)
async def create_product(actor: AdminId, body: ProductBody) -> out.ProductOut:
    """Create a product; its price starts its price history and its stock is an adjustment."""
    view = await run(
        admin_products.save_product, actor_id=actor, item_id=None, fields=body.fields(), now=now()
    )
    return out.ProductOut.from_view(view)


@router.get("/products/{item_id}", responses=schemas.errors(422))
async def get_product(actor: AdminId, item_id: int) -> out.ProductOut:
    """One product."""
    view = await run(admin_products.get_product, actor_id=actor, item_id=item_id, read_only=True)
    return out.ProductOut.from_view(view)


@router.put(
    "/products/{item_id}",
    openapi_extra=schemas.json_body(out.ProductIn),
    responses=schemas.errors(400, 413) | out.FIELD_ERRORS,
)
async def update_product(actor: AdminId, item_id: int, body: ProductBody) -> out.ProductOut:
    """Edit a product: a new price appends to the history (carts ask to confirm it); a new
    stock needs a `reason`; the SKU cannot change once sold."""
    view = await run(
        admin_products.save_product,
        actor_id=actor,
        item_id=item_id,
        fields=body.fields(),
        now=now(),
    )
    return out.ProductOut.from_view(view)


@router.delete("/products/{item_id}", responses=schemas.errors(422))
async def remove_product(actor: AdminId, item_id: int) -> out.RemovedOut:
    """Delete a product nobody bought; one with orders is deactivated instead."""
    outcome = await run(admin_products.remove_product, actor_id=actor, item_id=item_id, now=now())
    return out.RemovedOut(outcome=outcome)


@router.get("/users", responses=schemas.errors(422))
async def list_users(actor: AdminId, search: str = "") -> out.UserList:
    """Users whose name contains `search`, newest first, with their figures."""
    views = await run(
        admin_users.search_users, actor_id=actor, search=search, now=now(), read_only=True
    )
    return out.UserList([out.UserOut.from_view(view) for view in views])


async def _set_active(actor: int, user_id: int, active: bool) -> out.UserOut:
    view = await run(
        admin_users.set_user_active, actor_id=actor, user_id=user_id, active=active, now=now()
    )
    return out.UserOut.from_view(view)


@router.post("/users/{user_id}/disable", responses=schemas.errors(422))
async def disable_user(actor: AdminId, user_id: int) -> out.UserOut:
    """Disable a user and end every one of their sessions at once."""
    return await _set_active(actor, user_id, False)


@router.post("/users/{user_id}/enable", responses=schemas.errors(422))
async def enable_user(actor: AdminId, user_id: int) -> out.UserOut:
    """Re-enable a user (they log in again)."""
    return await _set_active(actor, user_id, True)


@router.get("/orders", responses=schemas.errors(422))
async def list_orders(
    actor: AdminId,
    date_from: str = "",
    date_to: str = "",
    username: str = "",
    product: str = "",
    page: int = 1,
) -> out.AdminOrderList:
    """All orders, newest first: from/to a day (YYYY-MM-DD, UTC), by user, with a product."""
    views = await run(
        admin_orders.search_orders,
        actor_id=actor,
        date_from=date_from,
        date_to=date_to,
        username=username,
        product=product,
        page=page,
        read_only=True,
    )
    return out.AdminOrderList([out.AdminOrderOut.from_view(view) for view in views])


@router.get("/orders/{order_id}", responses=schemas.errors(422))
async def get_order(actor: AdminId, order_id: int) -> out.AdminOrderDetailOut:
    """One order with its buyer and lines."""
    view = await run(admin_orders.order_detail, actor_id=actor, order_id=order_id, read_only=True)
    return out.order_detail(view)


@router.get("/audit", responses=schemas.errors(422))
async def audit_log(actor: AdminId, search: str = "") -> out.AuditList:
    """The newest 100 audit entries whose actor, action or target contain `search`."""
    views = await run(admin_audit.list_entries, actor_id=actor, search=search, read_only=True)
    return out.AuditList([out.AuditOut.from_view(view) for view in views])


@router.get(
    "/audit.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The whole log as CSV.",
        }
    },
)
async def audit_csv(actor: AdminId) -> Response:
    """The whole audit log as CSV."""
    text = await run(admin_audit.export, actor_id=actor, read_only=True)
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="fintech-audit-log.csv"'},
    )


@router.get("/analytics", responses=schemas.errors(422))
async def get_analytics(actor: AdminId, days: int = 30) -> out.AnalyticsOut:
    """Every chart of the back office over the last 30, 90 or 365 days, aggregated in SQL."""
    board = await run(analytics.dashboard, actor_id=actor, days=days, now=now(), read_only=True)
    return out.analytics(board)
