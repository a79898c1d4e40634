"""The web server's settings (`[server]`, `COURSEBOT_SERVER__PORT=8080`), owned by the web app.

`rag.Settings` carries the `[server]` table without reading it; the app validates it here,
so the answering library knows nothing of hosts, ports or logins.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from rag.errors import ConfigError
from rag.settings import Settings


class ServerSettings(BaseModel):
    """Where the web app listens, who may log in, and how long its line may get."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Interface to bind; 127.0.0.1 = this machine.")
    port: int = Field(7860, ge=0, le=65535)
    auth_username: str | None = None
    auth_password: SecretStr | None = None
    max_waiting: int = Field(
        200,
        ge=0,
        description="People who may wait for an answer slot; the next one is told the app "
        "is busy. Slots come from the backend (`llm.concurrency`; 1 for llama-cpp).",
    )
    wait_timeout_s: float = Field(
        600.0, gt=0, description="Longest wait for an answer slot before an error event."
    )
    answer_timeout_s: float = Field(
        180.0, gt=0, description="Longest time one answer may run before an error event."
    )

    def login(self) -> tuple[str, str] | None:
        """(username, password) when a login is configured, else None.

        Raises:
            ConfigError: only one of the two is set.
        """
        user = self.auth_username
        password = self.auth_password.get_secret_value() if self.auth_password else None
        if not user and not password:
            return None
        if not user or not password:
            raise ConfigError(
                "Set both server.auth_username and server.auth_password "
                "(COURSEBOT_SERVER__AUTH_USERNAME, COURSEBOT_SERVER__AUTH_PASSWORD), or neither."
            )
        return user, password


def server_settings(settings: Settings) -> ServerSettings:
    """The `[server]` table of `settings`, validated.

    Raises:
        ConfigError: an unknown key or a bad value; the message names it.
    """
    try:
        return ServerSettings.model_validate(settings.server)
    except ValidationError as exc:
        problems = "; ".join(
            f"server.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from None
