"""Settings from the environment (prefix ATOU_) and an optional .env file."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///atou.db"


class Settings(BaseSettings):
    """Every setting the bot reads; each maps to ATOU_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ATOU_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    auto_upgrade: bool = False
    max_import_bytes: int = 5 * 1024 * 1024

    default_timezone: str = "Asia/Shanghai"
    default_post_time: str = "08:00"
    default_lang: str = "zh-Hans"
    grace_hours: float = 6.0
    discussion_days: int = 7
    # Admins hear when their group's queue will run dry within this many days; 0: never.
    queue_warning_days: int = Field(default=3, ge=0)
    answer_max_minutes: float = 10.0

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_listen: str = "127.0.0.1"
    telegram_port: int = 8443

    discord_token: SecretStr | None = None
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    discord_shards: int | None = None

    web_url: str | None = None
    secret_key: SecretStr | None = None
    public_texts: bool = False
    web_listen: str = "127.0.0.1"
    web_port: int = 8080
    link_days: int = 30

    # A platform that cannot be reached at start is tried again after 1, 2, 4, … seconds, at most this.
    connect_retry_first_seconds: float = 1.0
    connect_retry_max_seconds: float = 60.0

    log_json: bool = False
    log_level: str = "INFO"

    # An OpenAI-compatible Chat Completions endpoint for drafting; drafting with a model is off while
    # any of the three is unset. The translation model defaults to `llm_model`.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_translation_model: str | None = None
    llm_concurrency: int = Field(default=8, ge=1, le=64)
    llm_timeout: float = Field(default=120.0, gt=0)
    llm_retries: int = Field(default=4, ge=0)  # on 429, 5xx and timeouts
    llm_reasks: int = Field(default=2, ge=0)  # on a reply that does not match the schema

    # Fetching pages and feeds to draft from: only public addresses, unless listed here (addresses
    # or networks, e.g. `127.0.0.1,10.0.0.0/8`), checked on every redirect.
    fetch_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_timeout: float = Field(default=20.0, gt=0)
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    # Audiences of a drafted brief's relevance notes (default: the reading group, in the target language).
    draft_audiences: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # `atou run` answers /healthz and /metrics here; port 0 turns that server off.
    health_listen: str = "127.0.0.1"
    health_port: int = 8081

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `1,2 3` as well as a JSON list."""
        if isinstance(value, str):
            return [int(v) for v in value.replace(",", " ").split()]
        return value

    @field_validator("fetch_allow", "draft_audiences", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Accept `a,b` as well as a JSON list."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value
