"""Every table's model, imported in one place for migrations and test clean-up."""

from lowtato.accounts.models import SocialAccount, SubAccount
from lowtato.auth.models import ApiKey, User
from lowtato.kit.db import Base

__all__ = ["ApiKey", "Base", "SocialAccount", "SubAccount", "User"]
