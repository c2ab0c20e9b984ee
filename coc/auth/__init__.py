"""Dashboard users: scrypt-hashed passwords, roles viewer < clerk < admin."""

from coc.auth.passwords import hash_password, verify_password
from coc.auth.users import (
    ROLES,
    AuthError,
    add_user,
    authenticate,
    check_new_user,
    disable_user,
    existing_user,
    get_user,
    list_users,
    role_at_least,
    set_password,
)

__all__ = [
    "ROLES",
    "AuthError",
    "add_user",
    "authenticate",
    "check_new_user",
    "disable_user",
    "existing_user",
    "get_user",
    "hash_password",
    "list_users",
    "role_at_least",
    "set_password",
    "verify_password",
]
