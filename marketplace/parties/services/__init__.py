"""Use cases of the parties area, one function each, with keyword-only collaborators.

Authorization (who may call what) is decided by the caller; these functions enforce the
business rules.
"""

from marketplace.parties.domain import TokenPair
from marketplace.parties.services.accounts import (
    RegisterUser,
    create_platform_admin,
    get_user,
    login,
    logout,
    refresh_session,
    register_user,
    set_member_level,
)
from marketplace.parties.services.api_keys import (
    API_KEY_PREFIX,
    IssueApiKey,
    authenticate_api_key,
    issue_api_key,
    list_api_keys,
    parse_api_key,
    revoke_api_key,
    sha256_hex,
)
from marketplace.parties.services.merchants import (
    ApplyForMerchant,
    CreateShop,
    UpdateMerchant,
    UpdateShop,
    add_staff_member,
    apply_for_merchant,
    change_merchant_status,
    create_shop,
    get_merchant,
    list_shops,
    merchant_history,
    remove_member,
    update_merchant,
    update_shop,
)

__all__ = [
    "API_KEY_PREFIX",
    "ApplyForMerchant",
    "CreateShop",
    "IssueApiKey",
    "RegisterUser",
    "TokenPair",
    "UpdateMerchant",
    "UpdateShop",
    "add_staff_member",
    "apply_for_merchant",
    "authenticate_api_key",
    "change_merchant_status",
    "create_platform_admin",
    "create_shop",
    "get_merchant",
    "get_user",
    "issue_api_key",
    "list_api_keys",
    "list_shops",
    "login",
    "logout",
    "merchant_history",
    "parse_api_key",
    "refresh_session",
    "register_user",
    "remove_member",
    "revoke_api_key",
    "set_member_level",
    "sha256_hex",
    "update_merchant",
    "update_shop",
]
