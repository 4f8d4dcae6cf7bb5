"""Schemas of recommendations and semantic search: one response shape for every surface."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from serving.api.schemas.catalog import Money
from serving.api.schemas.models import MlflowSyncRead
from serving.recs.service import RecsResult


class RecommendedItemRead(BaseModel):
    product_id: str
    score: float = Field(description="The model's score; comparable within one response only")
    title: str
    price: Money | None = Field(description="The cheapest SKU's list price, listing currency")
    category_id: str
    merchant_id: str
    source: Literal["model", "fallback"] = Field(
        description="model: the served model ranked it; fallback: popular, filling the list"
    )


class RecommendationsRead(BaseModel):
    attribution_id: str = Field(
        description="Echo it as `attribution_id` on click and add_to_cart events "
        "(POST /api/v1/events) so that CTR and conversion are counted for this model"
    )
    model: str = Field(description="The model that ranked the list (db_popularity: none yet)")
    model_version: str
    fallback: str | None = Field(
        description="The popular ranking that filled the list when the model's items ran out"
    )
    items: list[RecommendedItemRead]

    @classmethod
    def of(cls, result: RecsResult) -> RecommendationsRead:
        return cls(
            attribution_id=result.attribution_id, model=result.model,
            model_version=result.model_version, fallback=result.fallback,
            items=[
                RecommendedItemRead(
                    product_id=p.item.product_id, score=round(p.score, 6), title=p.item.title,
                    price=Money(**p.item.price.to_dict()) if p.item.price else None,
                    category_id=p.item.category_id, merchant_id=p.item.merchant_id,
                    source="model" if p.source == "model" else "fallback",
                )
                for p in result.picks
            ],
        )  # fmt: skip


class RecsReloadRead(BaseModel):
    aliases: dict[str, str] = Field(description="surface -> <model>@<version> now serving")
    loaded_at: str
    mlflow_sync: MlflowSyncRead | None = Field(
        None, description="What the MLflow sync before the reload did; null when it is off"
    )
