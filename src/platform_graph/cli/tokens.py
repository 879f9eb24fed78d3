"""token: bearer tokens, issued, listed, revoked and hashed."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from platform_graph.config import Settings
from platform_graph.errors import InputError
from platform_graph.write.tokens import TokenError, TokenRegistry, hash_token, parse_expiry

if TYPE_CHECKING:
    pass

from platform_graph.cli.common import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, progress

__all__ = ["cmd_token"]


def _token_hash() -> int:
    """Read a token (stdin, or a hidden prompt on a terminal) and print its sha256."""
    token = getpass.getpass("token: ") if sys.stdin.isatty() else sys.stdin.read()
    token = token.strip()
    if not token:
        sys.stderr.write("no token given on stdin\n")
        return EXIT_INVALID
    sys.stdout.write(f"{hash_token(token)}\n")
    return EXIT_OK


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    """Bearer tokens: create (printed once, optionally expiring), list, revoke; hash for
    PLATFORM_GRAPH_TOKENS."""

    if args.token_command == "hash":
        return _token_hash()
    try:
        registry = TokenRegistry(settings.tokens_path, configured=settings.tokens)
        if args.token_command == "create":
            if registry.path is None:
                sys.stderr.write("no token file: set PLATFORM_GRAPH_TOKENS_FILE\n")
                return EXIT_INVALID
            expires = None if args.expires_in is None else parse_expiry(args.expires_in)
            token = registry.issue(args.name, args.role, expires=expires)
            sys.stdout.write(f"{token}\n")
            until = "never expires" if expires is None else f"expires {expires.isoformat()}"
            progress(
                f"token {args.name!r} ({args.role}, {until}) saved, as a hash, in "
                f"{registry.path}; this is the only time it is shown"
            )
        elif args.token_command == "list":
            infos = registry.list()
            tokens = [info.as_dict() for info in infos]
            if args.json:
                sys.stdout.write(json.dumps(tokens, indent=2) + "\n")
            for info, t in [] if args.json else zip(infos, tokens, strict=True):
                expiry = t["expires"] or "-"
                if info.expired():
                    expiry += " (expired)"
                sys.stdout.write(
                    f"{t['name']:<24} {t['role']:<7} {t['source']:<7} "
                    f"{t['created'] or '-':<25} {expiry}\n"
                )
        else:
            registry.revoke(args.name)
            progress(f"token {args.name!r} revoked")
    except InputError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    except TokenError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_INVALID
    return EXIT_OK
