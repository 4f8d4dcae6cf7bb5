"""Settings, read from the environment (prefix ``AGORA_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGORA_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development, test or production")
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'var' / 'agora.db'}",
        description="SQLAlchemy URL; SQLite (embedded) or postgresql+psycopg://...",
    )
    redis_url: str | None = Field(None, description="Optional; enables the cache when set")
    redis_prefix: str = Field("agora:", description="Key prefix for everything in Redis")
    jwt_secret: SecretStr = Field(
        SecretStr("dev-only-secret-change-me-" + "0123456789abcdef" * 3),
        description="HMAC key for access tokens; must be set in production",
    )
    jwt_issuer: str = "agora"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    reservation_ttl_seconds: int = 15 * 60
    product_cache_ttl_seconds: int = 300
    default_currency: str = "CNY"
    default_locale: str = "zh"
    log_level: str = "INFO"
    log_json: bool = True
    datasets_dir: Path = Field(
        PROJECT_ROOT.parent / "shared" / "datasets", description="Real data sets (read-only)"
    )
    db_pool_size: int = 10
    bench_endpoints: bool = Field(False, description="Expose /_bench/* (benchmarks only)")
    # argon2id cost (RFC 9106 "low memory" profile). With env=test and no explicit value,
    # a cheap cost is used so that test suites do not spend minutes hashing.
    password_hash_time_cost: int = Field(3, ge=1)
    password_hash_memory_kib: int = Field(64 * 1024, ge=8)
    password_hash_parallelism: int = Field(4, ge=1)
    api_key_touch_interval_seconds: int = Field(
        60, description="How often at most an API key's last_used_at is written"
    )

    @model_validator(mode="after")
    def _parties_defaults(self) -> Settings:
        explicit = self.model_fields_set
        if self.env == "test":
            if "password_hash_time_cost" not in explicit:
                self.password_hash_time_cost = 1
            if "password_hash_memory_kib" not in explicit:
                self.password_hash_memory_kib = 1024
            if "password_hash_parallelism" not in explicit:
                self.password_hash_parallelism = 1
        secret = self.jwt_secret.get_secret_value()
        if self.env == "production" and (secret.startswith("dev-only") or len(secret) < 32):
            raise ValueError("AGORA_JWT_SECRET must be set in production (32+ bytes)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
