"""Parsers for the Redshift statements sqlglot cannot parse: COPY, UNLOAD, CREATE EXTERNAL SCHEMA.

Each parser walks the statement's tokens and returns a plain description of it; running
it is :mod:`.loading`'s and :mod:`.database`'s job. Unknown options are syntax errors,
named as Redshift names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot.tokens import Token, TokenType

from infra_scripts.localcloud.services.redshift_data.errors import RedshiftSqlError
from infra_scripts.localcloud.services.redshift_data.sqltext import Statement

OptionValue = str | int | bool | list[str]

# COPY options that take an argument (AS is optional before it) and those that are flags.
_COPY_VALUE_OPTIONS = {
    "DELIMITER", "IGNOREHEADER", "NULL", "QUOTE", "REGION", "DATEFORMAT", "TIMEFORMAT",
    "MAXERROR", "ENCODING", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY",
    "SESSION_TOKEN", "COMPUPDATE", "STATUPDATE", "FIXEDWIDTH",
}  # fmt: skip
_COPY_FLAGS = {
    "EMPTYASNULL", "BLANKSASNULL", "TRUNCATECOLUMNS", "MANIFEST", "GZIP", "BZIP2", "ZSTD",
    "LZOP", "REMOVEQUOTES", "ESCAPE", "FILLRECORD", "IGNOREBLANKLINES", "TRIMBLANKS",
    "ROUNDEC", "EXPLICIT_IDS", "ACCEPTANYDATE", "SERIALIZETOJSON", "NOLOAD",
}  # fmt: skip
_UNLOAD_VALUE_OPTIONS = {
    "DELIMITER", "NULL", "REGION", "EXTENSION", "KMS_KEY_ID", "CREDENTIALS",
    "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "FIXEDWIDTH",
}  # fmt: skip
_UNLOAD_FLAGS = {
    "HEADER", "ADDQUOTES", "ESCAPE", "ALLOWOVERWRITE", "CLEANPATH", "GZIP", "BZIP2", "ZSTD",
}  # fmt: skip
_FORMATS = {"CSV", "PARQUET", "JSON", "ORC", "AVRO", "SHAPEFILE"}
_SWITCH_VALUES = {"ON", "OFF", "TRUE", "FALSE", "PRESET"}
_NAME_TOKENS = {TokenType.VAR, TokenType.IDENTIFIER}


@dataclass(frozen=True)
class CopyCommand:
    """``COPY table [(columns)] FROM 's3://…' authorization [options]``."""

    table: list[str]  # [schema?, name] (or [database, schema, name])
    columns: list[str] | None
    source: str
    format: str  # "TEXT" (pipe-delimited), "CSV", "PARQUET", "JSON", …
    format_argument: str | None = None  # JSON 'auto' / 'auto ignorecase' / jsonpaths
    options: dict[str, OptionValue] = field(default_factory=dict)


@dataclass(frozen=True)
class UnloadCommand:
    """``UNLOAD ('select …') TO 's3://…' authorization [options]``."""

    query: str
    destination: str
    format: str  # "TEXT", "CSV", "PARQUET" or "JSON"
    partition_by: list[str] = field(default_factory=list)
    partition_include: bool = False
    manifest: bool = False
    parallel: bool = True
    options: dict[str, OptionValue] = field(default_factory=dict)


@dataclass(frozen=True)
class ExternalSchemaCommand:
    """``CREATE EXTERNAL SCHEMA [IF NOT EXISTS] s FROM DATA CATALOG DATABASE 'db' …``."""

    schema: str
    glue_database: str
    if_not_exists: bool = False
    region: str | None = None
    iam_role: str | None = None
    create_database: bool = False


class _Reader:
    """Reads a statement's tokens front to back."""

    def __init__(self, statement: Statement) -> None:
        self.tokens: list[Token] = statement.tokens
        self.pos = 0

    def done(self) -> bool:
        return self.pos >= len(self.tokens)

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, ahead: int = 0) -> str:
        token = self.peek(ahead)
        if token is None or token.token_type in (TokenType.STRING, TokenType.IDENTIFIER):
            return ""
        return token.text.upper()

    def fail(self) -> RedshiftSqlError:
        token = self.peek()
        if token is None:
            return RedshiftSqlError("syntax error at end of input")
        return RedshiftSqlError(f'syntax error at or near "{token.text}"')

    def accept(self, *words: str) -> bool:
        if all(self.word(i) == w for i, w in enumerate(words)):
            self.pos += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.fail()

    def accept_kind(self, kind: TokenType) -> bool:
        token = self.peek()
        if token is not None and token.token_type == kind:
            self.pos += 1
            return True
        return False

    def string(self) -> str:
        token = self.peek()
        if token is None or token.token_type not in (TokenType.STRING, TokenType.HEREDOC_STRING):
            raise self.fail()
        self.pos += 1
        return token.text

    def name(self) -> str:
        """An identifier, folded to lower case as Redshift folds it."""
        token = self.peek()
        if (
            token is None
            or token.token_type in (TokenType.STRING, TokenType.NUMBER)
            or (token.token_type not in _NAME_TOKENS and not token.text.isidentifier())
        ):
            raise self.fail()
        self.pos += 1
        return token.text.lower()

    def dotted_name(self) -> list[str]:
        parts = [self.name()]
        while self.accept_kind(TokenType.DOT):
            parts.append(self.name())
        if len(parts) > 3:
            raise RedshiftSqlError(
                f"improper qualified name (too many dotted names): {'.'.join(parts)}"
            )
        return parts

    def name_list(self) -> list[str]:
        if not self.accept_kind(TokenType.L_PAREN):
            raise self.fail()
        names = [self.name()]
        while self.accept_kind(TokenType.COMMA):
            names.append(self.name())
        if not self.accept_kind(TokenType.R_PAREN):
            raise self.fail()
        return names

    def value(self) -> str | int:
        """An option's argument: a string, a number or a bare word, after an optional AS."""
        self.accept("AS")
        token = self.peek()
        if token is None:
            raise self.fail()
        self.pos += 1
        if token.token_type == TokenType.NUMBER:
            return int(token.text) if token.text.isdigit() else token.text
        return token.text

    def authorization(self, options: dict[str, OptionValue]) -> bool:
        """IAM_ROLE {DEFAULT | 'arn'} (the other forms are plain value options)."""
        if self.accept("IAM_ROLE"):
            options["IAM_ROLE"] = "default" if self.accept("DEFAULT") else self.string()
            return True
        return False

    def option_word(self, options: dict[str, OptionValue]) -> str | None:
        """Start reading the next option of COPY or UNLOAD: skip a comma, read an IAM_ROLE
        clause (then None), or return the option's keyword, left unread. ``FORMAT [AS]``
        before a format name is consumed, so the format name is returned."""
        self.accept_kind(TokenType.COMMA)
        if self.authorization(options):
            return None
        if self.accept("FORMAT"):
            self.accept("AS")
            if self.word() not in _FORMATS:
                raise self.fail()
        return self.word()


def parse_copy(statement: Statement) -> CopyCommand:
    reader = _Reader(statement)
    reader.expect("COPY")
    table = reader.dotted_name()
    peek = reader.peek()
    columns = reader.name_list() if peek and peek.token_type == TokenType.L_PAREN else None
    reader.expect("FROM")
    token = reader.peek()
    if token is None or token.token_type != TokenType.STRING:
        raise reader.fail()
    source = reader.string()
    fmt, fmt_arg = "TEXT", None
    options: dict[str, OptionValue] = {}
    while not reader.done():
        word = reader.option_word(options)
        if word is None:
            continue
        if word in _FORMATS:
            reader.pos += 1
            fmt = word
            if fmt in ("JSON", "AVRO") and (
                reader.word() == "AS"
                or (reader.peek() and reader.peek().token_type == TokenType.STRING)
            ):
                reader.accept("AS")
                fmt_arg = reader.string()
            continue
        if word in _COPY_VALUE_OPTIONS:
            reader.pos += 1
            if word in ("COMPUPDATE", "STATUPDATE"):
                options[word] = reader.word() if reader.word() in _SWITCH_VALUES else True
                if reader.word() in _SWITCH_VALUES:
                    reader.pos += 1
                continue
            options[word] = reader.value()
            continue
        if word == "ACCEPTINVCHARS":
            reader.pos += 1
            nxt = reader.peek()
            is_arg = nxt is not None and (
                nxt.token_type == TokenType.STRING or reader.word() == "AS"
            )
            options[word] = str(reader.value()) if is_arg else "?"
            continue
        if word in _COPY_FLAGS:
            reader.pos += 1
            options[word] = True
            continue
        raise reader.fail()
    return CopyCommand(table, columns, source, fmt, fmt_arg, options)


def parse_unload(statement: Statement) -> UnloadCommand:
    reader = _Reader(statement)
    reader.expect("UNLOAD")
    if not reader.accept_kind(TokenType.L_PAREN):
        raise reader.fail()
    query = reader.string()
    if not reader.accept_kind(TokenType.R_PAREN):
        raise reader.fail()
    reader.expect("TO")
    destination = reader.string()
    fmt = "TEXT"
    partition_by: list[str] = []
    include = manifest = False
    parallel = True
    options: dict[str, OptionValue] = {}
    while not reader.done():
        word = reader.option_word(options)
        if word is None:
            continue
        if word in ("CSV", "PARQUET", "JSON"):
            reader.pos += 1
            fmt = word
        elif reader.accept("PARTITION BY") or reader.accept("PARTITION", "BY"):
            partition_by = reader.name_list()
            include = reader.accept("INCLUDE")
        elif reader.accept("MANIFEST"):
            manifest = True
            options["MANIFEST_VERBOSE"] = reader.accept("VERBOSE")
        elif reader.accept("PARALLEL"):
            if reader.word() in ("ON", "TRUE", "OFF", "FALSE"):
                parallel = reader.word() in ("ON", "TRUE")
                reader.pos += 1
        elif reader.accept("ENCRYPTED"):
            reader.accept("AUTO")
        elif word in ("MAXFILESIZE", "ROWGROUPSIZE"):
            reader.pos += 1
            options[word] = reader.value()
            if reader.word() in ("MB", "GB"):
                reader.pos += 1
        elif word in _UNLOAD_VALUE_OPTIONS:
            reader.pos += 1
            options[word] = reader.value()
        elif word in _UNLOAD_FLAGS:
            reader.pos += 1
            options[word] = True
        else:
            raise reader.fail()
    return UnloadCommand(
        query, destination, fmt, partition_by, include, manifest, parallel, options
    )


def parse_external_schema(statement: Statement) -> ExternalSchemaCommand:
    reader = _Reader(statement)
    reader.expect("CREATE", "EXTERNAL", "SCHEMA")
    if_not_exists = reader.accept("IF", "NOT", "EXISTS")
    schema = reader.name()
    reader.expect("FROM")
    if not reader.accept("DATA", "CATALOG") and reader.word() != "DATABASE":
        source = reader.word() or "?"
        raise RedshiftSqlError(
            f"CREATE EXTERNAL SCHEMA FROM {source} is not supported by the local cloud; "
            "use FROM DATA CATALOG (the Glue Data Catalog)"
        )
    reader.expect("DATABASE")
    glue_database = reader.string()
    region = iam_role = None
    create_database = False
    while not reader.done():
        options: dict[str, OptionValue] = {}
        if reader.authorization(options):
            iam_role = str(options["IAM_ROLE"])
        elif reader.accept("REGION"):
            region = str(reader.value())
        elif reader.accept("CATALOG_ROLE") or reader.accept("CATALOG_ID"):
            reader.value()
        elif reader.accept("CREATE", "EXTERNAL", "DATABASE", "IF", "NOT", "EXISTS"):
            create_database = True
        else:
            raise reader.fail()
    return ExternalSchemaCommand(
        schema, glue_database.lower(), if_not_exists, region, iam_role, create_database
    )
