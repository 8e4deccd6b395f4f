"""The credentials the hostile tests configure, to search for them in everything that leaves."""

from __future__ import annotations

from typing import Final

API: Final = "https://api.voucherify.test"
APP_ID: Final = "app-id-0001"
SECRET_KEY: Final = "sk_SERVER-SECRET-never-printed"
CLIENT_APP_ID: Final = "client-app-id-0002"
CLIENT_SECRET_KEY: Final = "ck_CLIENT-SECRET-never-printed"
ORIGIN: Final = "https://shop.example.com"
SECRETS: Final = (APP_ID, SECRET_KEY, CLIENT_APP_ID, CLIENT_SECRET_KEY)
