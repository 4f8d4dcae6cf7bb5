"""Settings, read from the environment (prefix ``AGORA_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    order_payment_ttl_seconds: int = Field(
        30 * 60, ge=60, le=7 * 86400, description="Unpaid orders expire after this long"
    )
    jobs_in_process_seconds: float = Field(
        0, ge=0, description="Run order expiry and refund retries inside the API every N s"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Where gateways reach us (notify URLs)"
    )
    product_cache_ttl_seconds: int = 300
    default_currency: str = "CNY"
    cart_max_lines: int = Field(200, ge=1, le=10_000, description="Different SKUs per cart")
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
    # -- payment gateways (docs/payments/gateways.md). A vendor without its settings is off.
    # Keys: a PEM block, a bare base64 DER line, or a path to a file holding either.
    payment_gateway_timeout_seconds: float = Field(10.0, gt=0, le=120)
    sandbox_gateway_enabled: bool | None = Field(
        None, description="The built-in sandbox gateway; default: on outside production"
    )
    sandbox_gateway_secret: SecretStr = Field(
        SecretStr("dev-only-sandbox-secret-change-me"), description="HMAC key of the sandbox"
    )
    sandbox_gateway_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL of the sandbox pay page (public_base_url)"
    )
    alipay_app_id: str | None = None
    alipay_app_private_key: SecretStr | None = Field(None, description="Our app private key")
    alipay_public_key: str | None = Field(None, description="Alipay's platform public key")
    alipay_gateway_url: str = "https://openapi.alipay.com/gateway.do"
    alipay_product: Literal["page", "wap"] = "page"
    alipay_seller_id: str | None = Field(None, description="Refuse notifications for others")
    wechatpay_mch_id: str | None = None
    wechatpay_app_id: str | None = None
    wechatpay_merchant_serial_no: str | None = Field(None, description="Our API cert serial")
    wechatpay_merchant_private_key: SecretStr | None = None
    wechatpay_api_v3_key: SecretStr | None = Field(None, description="32-byte APIv3 key")
    wechatpay_platform_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Platform serial (or PUB_KEY_ID_...) -> public key or certificate; JSON",
    )
    wechatpay_base_url: str = "https://api.mch.weixin.qq.com"
    # Events (ADR 0008): the outbox relay, the Redis stream, consumers and webhooks.
    events_stream_maxlen: int = Field(
        1_000_000, ge=1000, description="Approximate MAXLEN of the events stream"
    )
    events_relay_batch_size: int = Field(200, ge=1, le=10_000)
    events_claim_idle_ms: int = Field(
        60_000, ge=1, description="Pending this long, a message is claimed by another consumer"
    )
    events_max_deliveries: int = Field(
        5, ge=1, description="Deliveries of one message to a group before it is dead-lettered"
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(10, ge=1, le=50)
    webhook_backoff_base_seconds: float = Field(60.0, gt=0)
    webhook_backoff_cap_seconds: float = Field(6 * 3600.0, gt=0)
    webhook_allow_private_networks: bool = Field(
        False, description="Allow webhook URLs on loopback/private addresses (SSRF guard off)"
    )
    # Recommendations (docs/ml/serving.md): model versions and aliases.json live here.
    models_dir: Path = Field(
        PROJECT_ROOT / "var" / "models", description="Saved recommender versions + aliases.json"
    )
    recs_reload_seconds: float = Field(
        10.0, ge=0, description="Poll aliases.json this often for a new version (0: never)"
    )
    recs_sellable_refresh_seconds: float = Field(
        5.0, gt=0, description="Refresh the cached set of sellable products this often"
    )
    recs_exclude_purchased: bool = Field(
        True, description="Leave out what the user already bought from their recommendations"
    )
    # MLflow (docs/ml/pipelines.md): the pipelines track runs and register versions there.
    mlflow_tracking_uri: str = Field(
        "sqlite:///var/mlflow/mlflow.db", description="MLflow tracking and registry URI"
    )
    mlflow_artifacts: Path = Field(
        Path("var/mlflow/artifacts"), description="Artifact location of new experiments"
    )
    recs_mlflow_sync: bool = Field(
        False,
        description="Serve the `champion` of each agora-recs-* registered model: each worker "
        "downloads new versions into models_dir (off: the folder registry alone)",
    )

    # The procurement agent (issue 9, docs/agent/README.md "Serving").
    agent_model: Literal["deterministic", "openai", "llama"] = Field(
        "deterministic",
        description="The agent's chat model: embedded, an OpenAI-compatible endpoint, or a "
        "local GGUF file through llama-cpp-python",
    )
    agent_base_url: str | None = Field(None, description="OpenAI-compatible endpoint URL")
    agent_model_name: str = Field("gpt-4o-mini", description="The model the endpoint serves")
    agent_api_key: SecretStr | None = Field(None, description="The endpoint's key")
    agent_model_path: Path | None = Field(None, description="The GGUF file (agent_model=llama)")

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
