"""Who may claim the mission (R3, R6): three blockers, all reported at once, with the steps sellers are given."""

from __future__ import annotations

from .ads import AdAccount, SellerAdsAccount
from .models import Blocker, Eligibility

_ACCOUNT_MANAGEMENT = "Visit Seller Center on a PC or browser, then go to Shop Ads -> Account Management."

ADS_PERMISSION_NOT_GRANTED = Blocker(
    code="ADS_PERMISSION_NOT_GRANTED",
    title="Advertising permissions have not been granted",
    steps=[
        _ACCOUNT_MANAGEMENT,
        'Click "Authorize now", and scan the code to finish the advertising authorization.',
        "Go back to the Growth Center to finish the mission sign-up.",
    ],
)
NO_VALID_AD_ACCOUNT = Blocker(
    code="NO_VALID_AD_ACCOUNT",
    title="No valid advertising account exists",
    steps=[
        _ACCOUNT_MANAGEMENT,
        'Click "Add account" or "Connect existing account" to connect with a valid advertising account.',
    ],
)
PAYMENT_SETUP_INCOMPLETE = Blocker(
    code="PAYMENT_SETUP_INCOMPLETE",
    title="Payment setup is not yet completed",
    steps=[
        _ACCOUNT_MANAGEMENT,
        "Finish billing info setup as instructed.",
    ],
)

BLOCKER_CODES = tuple(b.code for b in (ADS_PERMISSION_NOT_GRANTED, NO_VALID_AD_ACCOUNT, PAYMENT_SETUP_INCOMPLETE))
_USABLE_OWNERS = ("SELLER", "AGENCY")  # R3: the seller's own account or an agency-authorized one


def _valid_accounts(account: SellerAdsAccount) -> list[AdAccount]:
    return [a for a in account.ad_accounts if a.status == "STATUS_ENABLE" and a.owner in _USABLE_OWNERS]


def blockers_of(account: SellerAdsAccount) -> list[Blocker]:
    """R3. Payment is judged on the accounts the seller could use: the valid ones when there are any,
    else every account they have; a seller with no account at all is told to add one first."""
    blockers = []
    if not account.ads_permission:
        blockers.append(ADS_PERMISSION_NOT_GRANTED)
    valid = _valid_accounts(account)
    if not valid:
        blockers.append(NO_VALID_AD_ACCOUNT)
    candidates = valid or account.ad_accounts
    if candidates and not any(a.payment_ready for a in candidates):
        blockers.append(PAYMENT_SETUP_INCOMPLETE)
    return blockers


def eligibility_of(account: SellerAdsAccount) -> Eligibility:
    blockers = blockers_of(account)
    return Eligibility(eligible=not blockers, blockers=blockers)


def advertising_account(account: SellerAdsAccount) -> AdAccount:
    """The account the campaign is funded from (A11): the seller's own before an agency's.
    Only called for an eligible seller, who has at least one valid, payment-ready account."""
    ready = [a for a in _valid_accounts(account) if a.payment_ready]
    ready.sort(key=lambda a: (a.owner != "SELLER", a.advertiser_id))
    return ready[0]
