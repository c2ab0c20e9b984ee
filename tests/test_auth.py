"""Users, password hashing, roles and the `coc user` commands on a real SQLite store."""

from __future__ import annotations

import argparse
import base64
import io

import pytest
from sqlalchemy import select

from coc.auth import (
    AuthError,
    add_user,
    authenticate,
    disable_user,
    hash_password,
    list_users,
    role_at_least,
    set_password,
    verify_password,
)
from coc.store.db import Store
from coc.store.models import AuditLog


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    return sqlite_store


def test_hash_is_salted_scrypt_and_verifies():
    first, second = hash_password("bí-mật-123"), hash_password("bí-mật-123")
    assert first != second
    assert first.startswith("scrypt$16384$8$1$")
    assert verify_password("bí-mật-123", first)
    assert not verify_password("bí-mật-124", first)
    assert not verify_password("x", "md5$abc")
    assert not verify_password("x", "garbage")


def test_rfc7914_vector_verifies():
    # RFC 7914 §12: scrypt("password", "NaCl", N=1024, r=8, p=16, dkLen=64)
    key = bytes.fromhex(
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    )
    stored = "scrypt$1024$8$16$" + base64.b64encode(b"NaCl").decode() + "$"
    stored += base64.b64encode(key).decode()
    assert verify_password("password", stored)
    assert not verify_password("Password", stored)


def test_roles_are_ordered():
    assert role_at_least("admin", "clerk")
    assert role_at_least("clerk", "clerk")
    assert not role_at_least("viewer", "clerk")
    assert not role_at_least(None, "viewer")
    assert not role_at_least("root", "viewer")
    # The approver (chairperson) ranks between clerk and admin.
    assert role_at_least("approver", "clerk")
    assert not role_at_least("clerk", "approver")
    assert not role_at_least("approver", "admin")
    assert role_at_least("admin", "approver")


def test_add_list_passwd_disable(store):
    add_user(store, "ThuKy", "mat-khau-123", "clerk", name="Thư ký")
    [user] = list_users(store)
    assert (user.username, user.role, user.name, user.active) == ("thuky", "clerk", "Thư ký", True)
    assert authenticate(store, "thuky", "mat-khau-123").username == "thuky"
    assert authenticate(store, "thuky", "sai-mat-khau") is None

    set_password(store, "thuky", "mat-khau-moi-1")
    assert authenticate(store, "thuky", "mat-khau-123") is None
    assert authenticate(store, "thuky", "mat-khau-moi-1").password_version == 2

    disable_user(store, "thuky")
    assert authenticate(store, "thuky", "mat-khau-moi-1") is None
    with store.session() as session:
        actions = [(a.action, a.entity, a.entity_key) for a in session.scalars(select(AuditLog))]
    assert actions[0] == ("create", "user", "thuky")
    assert ("login", "user", "thuky") in actions


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("a b", "mat-khau-123", "clerk", "tên đăng nhập chỉ gồm"),
        ("thuky", "ngan", "clerk", "mật khẩu phải có ít nhất 8 ký tự"),
        ("thuky", "mat-khau-123", "boss", "vai trò không hợp lệ 'boss'"),
    ],
)
def test_bad_input_is_one_vietnamese_line(store, username, password, role, message):
    with pytest.raises(AuthError, match=message):
        add_user(store, username, password, role)


def test_duplicate_and_unknown_user(store):
    add_user(store, "thuky", "mat-khau-123", "clerk")
    with pytest.raises(AuthError, match="người dùng 'thuky' đã tồn tại"):
        add_user(store, "thuky", "mat-khau-123", "clerk")
    with pytest.raises(AuthError, match="không có người dùng 'ai'"):
        set_password(store, "ai", "mat-khau-123")


def test_cli_user_commands(tmp_path, monkeypatch, capsys):
    from coc.cli import users

    monkeypatch.setenv("COC_DATA_DIR", str(tmp_path))
    parser = argparse.ArgumentParser()
    users.register(parser.add_subparsers())

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = parser.parse_args(list(argv))
        args.config = None
        return args.func(args)

    assert run("user", "add", "quantri", "--role", "admin", "--password-stdin",
               stdin="mat-khau-123\n") == 0  # fmt: skip
    assert "Đã tạo người dùng quantri (vai trò admin)." in capsys.readouterr().out
    assert run("user", "list") == 0
    out = capsys.readouterr().out
    assert "quantri" in out and "admin" in out and "hoạt động" in out
    assert run("user", "passwd", "quantri", "--password-stdin", stdin="mat-khau-456\n") == 0
    assert "các phiên đăng nhập cũ đã kết thúc" in capsys.readouterr().out
    assert run("user", "disable", "quantri") == 0
    run("user", "list")
    assert "đã khóa" in capsys.readouterr().out
